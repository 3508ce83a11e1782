/**
 * Scheduler configuration: the size of the KV pool it hands out, and the per-step limits of
 * continuous batching. Every option is documented where it is declared.
 */
import { DEFAULT_PAGE_SIZE } from "@sieve/core";
import type { BlockReleasePolicy } from "./policies/release-policy.js";

export interface SchedulerConfig {
  /** Physical KV blocks (pages) in the pool. */
  numBlocks: number;
  /** Tokens per block; the KV cache's pageSize (16 by default). */
  blockSize?: number;
  /** Most tokens computed in one step, prefill chunks and decode tokens together (default 2048). */
  maxBatchedTokens?: number;
  /** Most sequences running at once, and so scheduled in one step (default 64). */
  maxSeqs?: number;
  /** Longest a sequence may grow, prompt and output together (sizes block-table rows). Default: no limit beyond the pool. */
  maxModelLen?: number;
  /**
   * Split long prefills into chunks that share steps with decodes (default true). When false, a
   * waiting request starts only when its whole prompt fits in one step's remaining budget.
   */
  chunkedPrefill?: boolean;
  /**
   * Most prefill tokens one sequence gets in one step, so several prefills can share a step
   * (default: maxBatchedTokens). Applies to chunked prefills and to recomputes after preemption.
   */
  maxPrefillChunk?: number;
  /** Reuse the KV blocks of identical full-block prefixes across requests (default true). */
  enablePrefixCaching?: boolean;
  /**
   * Blocks kept free when admitting a waiting request, so that running sequences can grow for a
   * while before someone is preempted (default 0).
   */
  admissionWatermarkBlocks?: number;
  /** Releases blocks in the middle of sequences (e.g. StreamingLLM); see policies/. */
  releasePolicy?: BlockReleasePolicy;
  /** Clock for deadlines and queue time, in milliseconds (default Date.now). */
  now?: () => number;
}

/** Every option resolved to a concrete value. */
export interface ResolvedSchedulerConfig {
  numBlocks: number;
  blockSize: number;
  maxBatchedTokens: number;
  maxSeqs: number;
  maxModelLen: number;
  chunkedPrefill: boolean;
  maxPrefillChunk: number;
  enablePrefixCaching: boolean;
  admissionWatermarkBlocks: number;
  releasePolicy: BlockReleasePolicy | undefined;
  now: () => number;
}

export const DEFAULT_MAX_BATCHED_TOKENS = 2048;
export const DEFAULT_MAX_SEQS = 64;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`Scheduler: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** Checks the configuration and fills in the defaults; throws a RangeError naming the bad option. */
export function resolveSchedulerConfig(c: SchedulerConfig): ResolvedSchedulerConfig {
  const numBlocks = positiveInteger("numBlocks", c.numBlocks);
  const blockSize = positiveInteger("blockSize", c.blockSize ?? DEFAULT_PAGE_SIZE);
  const maxBatchedTokens = positiveInteger("maxBatchedTokens", c.maxBatchedTokens ?? DEFAULT_MAX_BATCHED_TOKENS);
  const maxSeqs = positiveInteger("maxSeqs", c.maxSeqs ?? DEFAULT_MAX_SEQS);
  const maxModelLen = positiveInteger("maxModelLen", c.maxModelLen ?? numBlocks * blockSize);
  const maxPrefillChunk = positiveInteger("maxPrefillChunk", c.maxPrefillChunk ?? maxBatchedTokens);
  const admissionWatermarkBlocks = c.admissionWatermarkBlocks ?? 0;
  if (!Number.isSafeInteger(admissionWatermarkBlocks) || admissionWatermarkBlocks < 0 || admissionWatermarkBlocks >= numBlocks) {
    throw new RangeError(`Scheduler: admissionWatermarkBlocks must be an integer in [0, numBlocks), got ${admissionWatermarkBlocks}`);
  }
  return {
    numBlocks,
    blockSize,
    maxBatchedTokens,
    maxSeqs,
    maxModelLen,
    chunkedPrefill: c.chunkedPrefill ?? true,
    maxPrefillChunk,
    enablePrefixCaching: c.enablePrefixCaching ?? true,
    admissionWatermarkBlocks,
    releasePolicy: c.releasePolicy,
    now: c.now ?? Date.now,
  };
}
