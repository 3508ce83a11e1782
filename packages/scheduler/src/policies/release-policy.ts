/**
 * The hook for techniques that shrink a sequence's KV while it runs (StreamingLLM, H2O-style
 * eviction at block granularity): after every step the scheduler asks the policy which complete
 * blocks of each running sequence to give back, and leaves holes (-1) in their place.
 *
 * Positions stay absolute: a token generated after a release still gets the next position, and
 * RoPE sees the true distance. Attention must skip the holes (a block-table entry of -1 is
 * unmapped), and a sequence with holes no longer feeds the prefix cache.
 */
export interface SequenceMemoryView {
  seqId: string;
  promptLength: number;
  /** Tokens whose KV is in the cache; blocks below floor(numComputed / blockSize) are complete. */
  numComputed: number;
  blockSize: number;
  /** Physical block per logical block; -1 = already released. */
  blockTable: readonly number[];
}

export interface BlockReleasePolicy {
  /** Logical indices of complete blocks to release now (may be empty). */
  blocksToRelease(view: SequenceMemoryView): number[];
}
