/**
 * The engine's public message types. Requests and events cross a worker boundary as
 * structured-clone messages, so they are plain data and small: token ids and text deltas.
 */
import type { BackendName } from "@sieve/core";
import type { GenerateOptions, TokenLogprob } from "@sieve/model";
import type { SchedulerStats } from "@sieve/scheduler";

/** A generation request: a prompt, sampling parameters, stop conditions, scheduling hints. */
export interface EngineRequest
  extends Pick<
    GenerateOptions,
    | "prompt"
    | "promptIds"
    | "addBos"
    | "stop"
    | "ignoreEos"
    | "stopOnBos"
    | "includeSpecialText"
    | "contextOverflow"
    | "temperature"
    | "topK"
    | "topP"
    | "minP"
    | "repetitionPenalty"
    | "presencePenalty"
    | "frequencyPenalty"
    | "logitBias"
    | "seed"
    | "stopTokenIds"
    | "maxTokens"
    | "logprobs"
    | "topLogprobs"
  > {
  /** Unique among in-flight requests; generated when absent. */
  id?: string;
  /** Lower numbers are scheduled first; FCFS within a priority. Default 0. */
  priority?: number;
  /** Finish with reason "timeout" when not done this many milliseconds after submission. */
  timeoutMs?: number;
}

/** One sampled token and the text it made safe to show (see GenerateTokenEvent). */
export interface EngineTokenEvent {
  type: "token";
  requestId: string;
  tokenId: number;
  /** UTF-8 complete text, stop-string prefixes held back; may be "". */
  text: string;
  logprob?: number;
  topLogprobs?: TokenLogprob[];
}

export interface EngineUsage {
  promptTokens: number;
  /** Tokens sampled, a final stop token id included. */
  completionTokens: number;
  /** Prompt tokens whose KV came from the prefix cache. */
  cachedPromptTokens: number;
  /** Milliseconds spent waiting in the scheduler's queue (preemptions included). */
  queueTimeMs: number;
  preemptions: number;
}

/** "timeout": the request's timeoutMs passed. The others as in generate(). */
export type EngineFinishReason = "stop" | "length" | "abort" | "timeout";

/** The last event of a request that ran (or was cancelled). */
export interface EngineFinishEvent {
  type: "finish";
  requestId: string;
  finishReason: EngineFinishReason;
  usage: EngineUsage;
  /** Text still held back at the end; usually "". */
  text: string;
  /** The stop token id or stop string that ended generation, when finishReason is "stop". */
  stoppedBy?: number | string;
}

/**
 * The last event of a request that failed. "invalid_request": bad parameters or prompt (only
 * this request fails; `param` names the offending parameter when known); "internal": the model
 * step failed for this request; "engine_failed": the engine crashed or shut down under it.
 */
export interface EngineErrorEvent {
  type: "error";
  requestId: string;
  code: "invalid_request" | "internal" | "engine_failed";
  message: string;
  param?: string;
}

export type EngineEvent = EngineTokenEvent | EngineFinishEvent | EngineErrorEvent;

/** Scheduler counters plus what the engine adds. */
export interface EngineStats extends SchedulerStats {
  /** Requests whose events are still streaming. */
  inFlight: number;
  /** Forward steps run. */
  forwardSteps: number;
  /** Tokens run through the model (prefill + decode), and tokens sampled. */
  computedTokens: number;
  sampledTokens: number;
  /** KV pool geometry. */
  kvBlockSize: number;
  kvBytes: number;
}

/** How the engine sizes its KV pool and batches. */
export interface EngineOptions {
  /** KV blocks (pages) in the pool. Takes precedence over kvMemoryBytes. */
  kvBlocks?: number;
  /** Memory for the KV pool, in bytes, when kvBlocks is not given (default 256 MiB, capped at what maxSeqs full-length sequences can use). */
  kvMemoryBytes?: number;
  /** Tokens per KV block (default 16). */
  blockSize?: number;
  /** Most tokens per step (default 2048). */
  maxBatchedTokens?: number;
  /** Most sequences running at once (default 64). */
  maxSeqs?: number;
  /** Most prefill tokens per sequence per step (default maxBatchedTokens). */
  maxPrefillChunk?: number;
  /** Chunked prefill (default true). */
  chunkedPrefill?: boolean;
  /** Automatic prefix caching (default true). */
  enablePrefixCaching?: boolean;
  /** Blocks kept free when admitting (default 0). */
  admissionWatermarkBlocks?: number;
  /**
   * StreamingLLM-style KV window at block granularity: keep each sequence's first `sinkBlocks`
   * (default 1) and last `recentBlocks` complete blocks and give the middle back to the pool;
   * attention skips the released pages. Plain data (not a policy object) so it crosses to the
   * worker thread. Default: keep everything.
   */
  kvWindow?: { sinkBlocks?: number; recentBlocks: number };
  /** Kernel backend of the model (default: the process-wide one, SIEVE_BACKEND). */
  backend?: BackendName;
}

/** Options for loading a model from a spec (inside the worker, or in-process). */
export interface EngineLoadOptions extends EngineOptions {
  /** Tokenizer file for checkpoints without one (llama2.c). */
  tokenizer?: string;
  /** Activation-sparsity recipe file applied after loading (TEAL, CATS, DejaVu). */
  recipe?: string;
}

/** What the engine reports about itself once loaded. */
export interface EngineInfo {
  source: string;
  format: string;
  backend: string;
  vocabSize: number;
  maxSeqLen: number;
  hasTokenizer: boolean;
  kvBlocks: number;
  kvBlockSize: number;
  kvBytes: number;
}

/** Load progress, as loaders report it. */
export interface EngineLoadProgress {
  phase: string;
  done: number;
  total: number;
}
