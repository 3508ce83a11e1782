import type { PageAllocator, PagedKvCache } from "@sieve/core";
import type { ForwardBatch } from "../arch/batch.js";
import type { LlamaModel } from "../arch/llama.js";

export interface SequenceOptions {
  /** Most tokens a prefill runs through the model in one forward step (default 512). */
  prefillChunkSize?: number;
  /** Longest the sequence may grow (default: the model's maxSeqLen). Sizes the block-table row. */
  maxLength?: number;
}

export const DEFAULT_PREFILL_CHUNK = 512;

/**
 * One sequence on a paged KV cache, for library users that run a single request (generation,
 * evaluation) without the scheduler: it owns one block-table row and the pages it took from a
 * PageAllocator, appends tokens at the next positions, and gives its pages back on release().
 *
 * Logits returned by its methods are the model's scratch view: valid until the model's next
 * forward step (of any sequence). Copy them if they must outlive it.
 */
export class Sequence {
  readonly maxLength: number;
  readonly prefillChunkSize: number;
  /** Block-table row: physical page of each logical page, -1 where none is held. */
  private readonly blockTable: Int32Array;
  private readonly held: number[] = [];
  private len = 0;
  private released = false;
  private readonly decodeBatch: ForwardBatch;

  constructor(
    readonly model: LlamaModel,
    readonly kv: PagedKvCache,
    readonly allocator: PageAllocator,
    options: SequenceOptions = {},
  ) {
    this.maxLength = options.maxLength ?? model.config.maxSeqLen;
    this.prefillChunkSize = options.prefillChunkSize ?? DEFAULT_PREFILL_CHUNK;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 1) throw new RangeError(`Sequence: maxLength must be a positive integer, got ${this.maxLength}`);
    if (!Number.isInteger(this.prefillChunkSize) || this.prefillChunkSize < 1) {
      throw new RangeError(`Sequence: prefillChunkSize must be a positive integer, got ${this.prefillChunkSize}`);
    }
    if (allocator.numPages > kv.numPages) {
      throw new RangeError(`Sequence: the allocator hands out ${allocator.numPages} pages but the KV cache has only ${kv.numPages}`);
    }
    this.blockTable = new Int32Array(Math.ceil(this.maxLength / kv.pageSize)).fill(-1);
    // Decode steps reuse one batch object: a token costs no allocation here.
    this.decodeBatch = {
      tokens: new Int32Array(1),
      positions: new Int32Array(1),
      tokenSeq: new Int32Array(1),
      blockTable: this.blockTable,
      maxPagesPerSeq: this.blockTable.length,
      logitRows: new Int32Array(1),
    };
  }

  /** Tokens whose keys and values are in the cache (the next token goes at this position). */
  get length(): number {
    return this.len;
  }

  /** Physical pages this sequence holds, in logical order. */
  get pages(): readonly number[] {
    return this.held;
  }

  /** Tokens that can still be appended before maxLength. */
  get remaining(): number {
    return this.maxLength - this.len;
  }

  /**
   * Appends `tokens` in chunks of prefillChunkSize and returns the logits of the last one
   * ([vocab]). At least one token is required.
   */
  prefill(tokens: ArrayLike<number>): Float32Array {
    if (tokens.length === 0) throw new RangeError("Sequence.prefill: no tokens");
    let logits: Float32Array | undefined;
    for (let start = 0; start < tokens.length; start += this.prefillChunkSize) {
      const end = Math.min(tokens.length, start + this.prefillChunkSize);
      logits = this.forward(Array.prototype.slice.call(tokens, start, end) as number[], [end - start - 1]);
    }
    return logits!;
  }

  /** Appends one token and returns the logits that predict the next ([vocab]). */
  decode(tokenId: number): Float32Array {
    this.checkRoom(1);
    this.reservePages(this.len + 1);
    const b = this.decodeBatch;
    b.tokens[0] = tokenId;
    b.positions[0] = this.len;
    const logits = this.model.forward(b, this.kv);
    this.len += 1;
    return logits;
  }

  /**
   * Appends `tokens` as one forward step and returns the logits of the rows at the given offsets
   * into `tokens`, as [offsets.length, vocab] (e.g. every scored row of an evaluation window).
   */
  forward(tokens: ArrayLike<number>, logitOffsets: ArrayLike<number>): Float32Array {
    const n = tokens.length;
    if (n === 0) throw new RangeError("Sequence.forward: no tokens");
    this.checkRoom(n);
    this.reservePages(this.len + n);
    const positions = new Int32Array(n);
    for (let i = 0; i < n; i++) positions[i] = this.len + i;
    const batch: ForwardBatch = {
      tokens: Int32Array.from(tokens),
      positions,
      tokenSeq: new Int32Array(n),
      blockTable: this.blockTable,
      maxPagesPerSeq: this.blockTable.length,
      logitRows: Int32Array.from(logitOffsets),
    };
    const logits = this.model.forward(batch, this.kv);
    this.len += n;
    return logits;
  }

  /** Gives every page back and empties the sequence; it can be filled again from position 0. */
  reset(): void {
    this.allocator.release(this.held);
    this.held.length = 0;
    this.blockTable.fill(-1);
    this.len = 0;
  }

  /** Gives every page back; idempotent. The sequence must not be used afterwards. */
  release(): void {
    if (this.released) return;
    this.reset();
    this.released = true;
  }

  private checkRoom(n: number): void {
    if (this.released) throw new Error("Sequence: used after release()");
    if (this.len + n > this.maxLength) {
      throw new RangeError(`Sequence: ${this.len} + ${n} tokens exceed its maxLength ${this.maxLength}`);
    }
  }

  /** Takes pages from the allocator until positions [0, length) are covered. */
  private reservePages(length: number): void {
    const needed = Math.ceil(length / this.kv.pageSize);
    while (this.held.length < needed) {
      let page: number;
      try {
        page = this.allocator.alloc();
      } catch (e) {
        throw new RangeError(`Sequence: out of KV pages at ${length} tokens (${this.held.length} held, ${this.allocator.freePages} free): ${(e as Error).message}`);
      }
      this.blockTable[this.held.length] = page;
      this.held.push(page);
    }
  }
}
