/**
 * Runs one block of a model on calibration samples again and again (the greedy allocation
 * measures the block output error of each candidate): one KV cache and one batch per sample,
 * built once. Each sample is a sequence at positions 0..n-1, as in @sieve/model's runBlockwise.
 */
import type { PagedKvCache } from "@sieve/core";
import type { CalibrationSamples, ForwardBatch, LlamaModel } from "@sieve/model";

const PAGE_SIZE = 16;

export class BlockRunner {
  private readonly kv: PagedKvCache;
  private readonly batches: ForwardBatch[];

  constructor(
    readonly model: LlamaModel,
    samples: CalibrationSamples,
  ) {
    const pages = Math.ceil(Math.max(...samples.map((s) => s.length)) / PAGE_SIZE);
    this.kv = model.createKvCache(pages, PAGE_SIZE);
    const blockTable = Int32Array.from({ length: pages }, (_, i) => i);
    this.batches = samples.map((tokens) => ({
      tokens,
      positions: Int32Array.from({ length: tokens.length }, (_, i) => i),
      tokenSeq: new Int32Array(tokens.length),
      blockTable,
      maxPagesPerSeq: pages,
      logitRows: new Int32Array(0),
    }));
  }

  /** Runs block `layer` in place on x (sample s's hidden states, [tokens, dim]). */
  run(layer: number, s: number, x: Float32Array): void {
    this.model.forwardBlock(layer, x, this.batches[s]!, this.kv);
  }
}
