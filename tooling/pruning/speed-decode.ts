/**
 * Batch-1 greedy decode timing and the bytes a decode step reads, for the speed tool.
 */
import { PageAllocator, type LinearLayer } from "@sieve/core";
import { Sequence, type LlamaModel } from "@sieve/model";

const PAGE = 16;

/** The prompt every measurement decodes from (8 ids, folded into small vocabularies). */
export function syntheticPrompt(vocabSize: number): number[] {
  return [1, 450, 3681, 338, 263, 1243, 29892, 322].map((t) => t % vocabSize);
}

/** One sequence on its own KV cache; reset() between runs so every run decodes the same positions. */
export class DecodeRunner {
  private readonly seq: Sequence;
  private readonly best = new Int32Array(1);

  constructor(
    readonly model: LlamaModel,
    readonly prompt: readonly number[],
    readonly maxNew: number,
  ) {
    const capacity = prompt.length + maxNew + 1;
    const pages = Math.ceil(capacity / PAGE);
    this.seq = new Sequence(model, model.createKvCache(pages, PAGE), new PageAllocator(pages), { maxLength: capacity });
  }

  private argmax(logits: Float32Array): number {
    this.model.backend.argmax(this.best, logits, 1, this.model.config.vocabSize);
    return this.best[0]!;
  }

  /** Prefills the prompt (untimed), then times `steps` decode steps; returns seconds. */
  timeDecode(steps: number): number {
    this.seq.reset();
    let token = this.argmax(this.seq.prefill(this.prompt));
    const start = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) token = this.argmax(this.seq.decode(token));
    return Number(process.hrtime.bigint() - start) / 1e9;
  }

  release(): void {
    this.seq.release();
  }
}

/**
 * Bytes one decode step reads from weights: every linear (values + indices for sparse ones), the
 * LM head, one embedding row and the norm vectors. (KV cache reads are left out: a few MB at the
 * short contexts measured.)
 */
export function weightBytesPerToken(model: LlamaModel): number {
  const c = model.config;
  const embedRow = model.embed.data.byteLength / c.vocabSize;
  let total = embedRow + model.lmHead.describe().bytes + model.finalNorm.byteLength;
  for (const b of model.layers) total += b.attnNorm.byteLength + b.mlpNorm.byteLength;
  for (const slot of model.tree.list<LinearLayer>("linear")) total += slot.get().describe().bytes;
  return total;
}

/** How many linear slots run each kernel, e.g. { "native:avx2-nm24-gemv/avx2-nm24-gemm": 154 }. */
export function linearKernels(model: LlamaModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const k = slot.get().describe().kernel;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
