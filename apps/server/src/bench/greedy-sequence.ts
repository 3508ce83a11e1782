import { DEFAULT_PAGE_SIZE, PageAllocator } from "@sieve/core";
import { Sequence, type LlamaModel } from "@sieve/model";

/**
 * One sequence on a KV cache of its own, sized for `capacity` tokens, plus the greedy choice of
 * the next token. Benchmarks reuse it across repeats (reset() gives the pages back), so the
 * cache is allocated, and its pages first touched, once.
 */
export class GreedySequence {
  readonly seq: Sequence;
  private readonly best = new Int32Array(1);

  constructor(
    readonly model: LlamaModel,
    capacity: number,
    prefillChunkSize?: number,
  ) {
    const pages = Math.ceil(capacity / DEFAULT_PAGE_SIZE);
    const kv = model.createKvCache(pages, DEFAULT_PAGE_SIZE);
    this.seq = new Sequence(model, kv, new PageAllocator(pages), { maxLength: capacity, prefillChunkSize });
  }

  /** The most likely next token of a [vocab] logits row (argmax kernel, lowest id on ties). */
  argmax(logits: Float32Array): number {
    this.model.backend.argmax(this.best, logits, 1, this.model.config.vocabSize);
    return this.best[0]!;
  }

  reset(): void {
    this.seq.reset();
  }

  release(): void {
    this.seq.release();
  }
}
