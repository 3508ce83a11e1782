import { PageAllocator, type PagedKvCache } from "@sieve/core";
import type { LlamaModel } from "../arch/llama.js";
import { Sequence } from "../generate/sequence.js";
import type { ScoredChunk } from "./scored-chunks.js";

/** Pages per evaluation cache; windows are short-lived, so the default page size is fine. */
const EVAL_PAGE_SIZE = 16;

/**
 * Runs evaluation chunks through one model on a KV cache of its own, just big enough for one
 * window: each window starts from an empty sequence at position 0.
 */
export class WindowRunner {
  private readonly kv: PagedKvCache;
  private readonly seq: Sequence;

  constructor(readonly model: LlamaModel, ctx: number, chunkSize: number) {
    const pages = Math.ceil(ctx / EVAL_PAGE_SIZE);
    this.kv = model.createKvCache(pages, EVAL_PAGE_SIZE);
    this.seq = new Sequence(model, this.kv, new PageAllocator(pages), { maxLength: ctx, prefillChunkSize: chunkSize });
  }

  /** Appends the chunk (after emptying the sequence when it starts a window); returns the logits of its scored rows. */
  run(chunk: ScoredChunk): Float32Array {
    if (chunk.startsWindow) this.seq.reset();
    // A chunk with nothing to score still asks for one row: the forward step must produce logits.
    const rows = chunk.rows.length > 0 ? chunk.rows : [chunk.tokens.length - 1];
    return this.seq.forward(chunk.tokens, rows);
  }

  release(): void {
    this.seq.release();
  }
}

/** Lets other work run between windows of a long evaluation. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
