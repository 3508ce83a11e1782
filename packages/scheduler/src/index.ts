// The public API of @sieve/scheduler, every export by name.
export {
  DEFAULT_MAX_BATCHED_TOKENS,
  DEFAULT_MAX_SEQS,
  resolveSchedulerConfig,
} from "./config.js";
export type {
  ResolvedSchedulerConfig,
  SchedulerConfig,
} from "./config.js";
export {
  Scheduler,
} from "./scheduler.js";
export type {
  SequenceView,
} from "./scheduler.js";
export type {
  SchedulerRequest,
  SequenceStatus,
} from "./sequence.js";
export type {
  BlockCopy,
  FinishedSequence,
  ScheduledSequence,
  SchedulerStep,
  SequenceFinishReason,
  StepResults,
} from "./step.js";
export type {
  KvUsage,
  PrefixCacheCounters,
  SchedulerStats,
} from "./stats.js";
export {
  KvBlockManager,
} from "./kv-block-manager.js";
export type {
  CachedPrefix,
} from "./kv-block-manager.js";
export {
  BlockPool,
} from "./block-pool.js";
export type {
  BlockPoolCounts,
} from "./block-pool.js";
export {
  ROOT_DIGEST,
  blockIdentity,
} from "./block-hash.js";
export type {
  BlockIdentity,
} from "./block-hash.js";
export type {
  BlockReleasePolicy,
  SequenceMemoryView,
} from "./policies/release-policy.js";
export {
  StreamingWindowPolicy,
} from "./policies/streaming-window.js";
export type {
  StreamingWindowOptions,
} from "./policies/streaming-window.js";
