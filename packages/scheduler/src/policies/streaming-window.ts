import type { BlockReleasePolicy, SequenceMemoryView } from "./release-policy.js";

export interface StreamingWindowOptions {
  /** Leading blocks always kept (the "attention sinks"). Default 1. */
  sinkBlocks?: number;
  /** Most recent complete blocks kept, besides the one being written. */
  recentBlocks: number;
}

/**
 * StreamingLLM at block granularity: keep the first `sinkBlocks` blocks and the last
 * `recentBlocks` complete blocks (plus the partial block being written); release the middle.
 */
export class StreamingWindowPolicy implements BlockReleasePolicy {
  readonly sinkBlocks: number;
  readonly recentBlocks: number;

  constructor(options: StreamingWindowOptions) {
    this.sinkBlocks = options.sinkBlocks ?? 1;
    this.recentBlocks = options.recentBlocks;
    for (const [name, v] of [["sinkBlocks", this.sinkBlocks], ["recentBlocks", this.recentBlocks]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`StreamingWindowPolicy: ${name} must be a non-negative integer, got ${v}`);
    }
  }

  blocksToRelease(view: SequenceMemoryView): number[] {
    const complete = Math.floor(view.numComputed / view.blockSize);
    const out: number[] = [];
    for (let i = this.sinkBlocks; i < complete - this.recentBlocks; i++) {
      if (view.blockTable[i]! >= 0) out.push(i);
    }
    return out;
  }
}
