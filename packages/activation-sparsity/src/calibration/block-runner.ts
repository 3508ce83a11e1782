/**
 * Runs one block of a model on all calibration samples at once, again and again (the greedy
 * allocation measures the block output error of each candidate): the samples form one ragged
 * batch (each a sequence at positions 0..n-1 on pages of its own), so one forwardBlock call
 * covers them all. Hidden states are one [total tokens, dim] array, samples back to back.
 */
import type { PagedKvCache } from "@sieve/core";
import type { CalibrationSamples, ForwardBatch, LlamaModel } from "@sieve/model";

const PAGE_SIZE = 16;

export class BlockRunner {
  private readonly kv: PagedKvCache;
  private readonly batch: ForwardBatch;
  /** Tokens of all samples together. */
  readonly tokens: number;

  constructor(
    readonly model: LlamaModel,
    samples: CalibrationSamples,
  ) {
    const pagesPerSample = Math.ceil(Math.max(...samples.map((s) => s.length)) / PAGE_SIZE);
    this.tokens = samples.reduce((n, s) => n + s.length, 0);
    this.kv = model.createKvCache(pagesPerSample * samples.length, PAGE_SIZE);
    const tokens = new Int32Array(this.tokens);
    const positions = new Int32Array(this.tokens);
    const tokenSeq = new Int32Array(this.tokens);
    let row = 0;
    samples.forEach((s, i) => {
      tokens.set(s, row);
      for (let p = 0; p < s.length; p++, row++) {
        positions[row] = p;
        tokenSeq[row] = i;
      }
    });
    const blockTable = Int32Array.from({ length: pagesPerSample * samples.length }, (_, i) => i);
    this.batch = { tokens, positions, tokenSeq, blockTable, maxPagesPerSeq: pagesPerSample, logitRows: new Int32Array(0) };
  }

  /** Runs block `layer` in place on x, the hidden states of all samples ([tokens, dim]). */
  run(layer: number, x: Float32Array): void {
    this.model.forwardBlock(layer, x, this.batch, this.kv);
  }
}

/** Per-sample arrays joined back to back (the layout BlockRunner.run takes). */
export function concatSamples(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
