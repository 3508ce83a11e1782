/** Counters a scheduler exposes (for metrics, `sieve` status lines, and tests). */
import type { SequenceFinishReason } from "./step.js";

export interface KvUsage {
  totalBlocks: number;
  /** Blocks held by at least one sequence. */
  usedBlocks: number;
  /** Idle blocks kept for the prefix cache (evictable). */
  cachedBlocks: number;
  freeBlocks: number;
  /** usedBlocks / totalBlocks. */
  usage: number;
}

/** Prefix-cache counters, in tokens (a hit covers whole blocks, so hits are multiples of the block size). */
export interface PrefixCacheCounters {
  /** Tokens of the requests looked up at admission (every admission, re-admissions after preemption included). */
  queriedTokens: number;
  /** Of those, tokens whose KV came from the cache. */
  hitTokens: number;
  /** hitTokens / queriedTokens (0 when nothing was queried). */
  hitRate: number;
  /** Cached blocks evicted to make room. */
  evictedBlocks: number;
}

export interface SchedulerStats {
  running: number;
  /** Waiting to (re)start, preempted ones included. */
  waiting: number;
  /** Waiting because they were preempted. */
  preempted: number;
  kv: KvUsage;
  prefixCache: PrefixCacheCounters;
  /** Preemptions so far. */
  totalPreemptions: number;
  /** Milliseconds requests spent waiting to be scheduled, summed over requests (and preemptions). */
  totalQueueTimeMs: number;
  /** Steps scheduled so far. */
  steps: number;
  /** Sequences ended so far, by reason. */
  finished: Record<SequenceFinishReason, number>;
}
