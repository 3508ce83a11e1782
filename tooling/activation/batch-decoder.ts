/**
 * Greedy decode of `batch` sequences at once, one forward step per token for all of them (the
 * batched decode a serving engine runs). Each sequence has its own pages of one KV cache. After
 * one prefill, rewind() puts every sequence back at the end of its prompt, so repeated timed runs
 * (of different configurations) decode at exactly the same context lengths without prefilling
 * again: the new tokens simply overwrite the KV slots of the previous run.
 */
import type { PagedKvCache } from "@sieve/core";
import type { ForwardBatch, LlamaModel } from "@sieve/model";

const PAGE_SIZE = 16;

export class BatchDecoder {
  private readonly kv: PagedKvCache;
  private readonly pagesPerSeq: number;
  private readonly blockTable: Int32Array;
  private readonly step: ForwardBatch;
  private readonly next: Int32Array;
  private readonly afterPrompt: Int32Array;
  private promptLength = 0;

  constructor(
    readonly model: LlamaModel,
    readonly batch: number,
    maxLength: number,
  ) {
    this.pagesPerSeq = Math.ceil(maxLength / PAGE_SIZE);
    this.kv = model.createKvCache(this.pagesPerSeq * batch, PAGE_SIZE);
    this.blockTable = Int32Array.from({ length: this.pagesPerSeq * batch }, (_, i) => i);
    this.next = new Int32Array(batch);
    this.afterPrompt = new Int32Array(batch);
    this.step = {
      tokens: new Int32Array(batch),
      positions: new Int32Array(batch),
      tokenSeq: Int32Array.from({ length: batch }, (_, i) => i),
      blockTable: this.blockTable,
      maxPagesPerSeq: this.pagesPerSeq,
      logitRows: Int32Array.from({ length: batch }, (_, i) => i),
    };
  }

  /** Prefills sequence i with prompts[i] (one forward each) and takes its greedy next token. */
  prefill(prompts: readonly Int32Array[]): void {
    const vocab = this.model.config.vocabSize;
    prompts.forEach((prompt, i) => {
      const n = prompt.length;
      const logits = this.model.forward(
        {
          tokens: prompt,
          positions: Int32Array.from({ length: n }, (_, p) => p),
          tokenSeq: new Int32Array(n).fill(i),
          blockTable: this.blockTable,
          maxPagesPerSeq: this.pagesPerSeq,
          logitRows: Int32Array.from([n - 1]),
        },
        this.kv,
      );
      const best = new Int32Array(1);
      this.model.backend.argmax(best, logits, 1, vocab);
      this.afterPrompt[i] = best[0]!;
    });
    this.promptLength = prompts[0]!.length;
    this.rewind();
  }

  /** Back to the end of the prompts (each sequence's first generated token next). */
  rewind(): void {
    this.next.set(this.afterPrompt);
    this.step.positions.fill(this.promptLength);
  }

  /** One decode step of every sequence. */
  decode(): void {
    const b = this.step;
    b.tokens.set(this.next);
    const logits = this.model.forward(b, this.kv);
    this.model.backend.argmax(this.next, logits, this.batch, this.model.config.vocabSize);
    for (let i = 0; i < this.batch; i++) b.positions[i]! += 1;
  }
}
