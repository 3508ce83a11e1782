/** A request as the scheduler tracks it: its tokens, how many have KV, and where it waits or runs. */
import type { SequenceFinishReason } from "./step.js";

export interface SchedulerRequest {
  /** Unique among the requests the scheduler holds. */
  id: string;
  /** Prompt token ids (at least one). Ids matter only for prefix caching. */
  promptTokenIds: readonly number[];
  /** Most tokens to generate; the scheduler finishes the sequence with "length" there. */
  maxNewTokens: number;
  /** Lower numbers are served first; FCFS within a priority. Default 0. */
  priority?: number;
  /** Absolute time (scheduler clock, ms) after which the request finishes with "timeout". */
  deadline?: number;
}

export type SequenceStatus = "waiting" | "running" | "finished";

export class SequenceState {
  readonly id: string;
  readonly priority: number;
  readonly deadline: number | undefined;
  readonly maxNewTokens: number;
  readonly promptLength: number;
  /** Prompt, then generated tokens. */
  readonly tokens: number[];
  /** Tokens whose KV is in the cache (the next one computed goes at this position). */
  numComputed = 0;
  status: SequenceStatus = "waiting";
  /** Set while waiting after a preemption (counts as "preempted" until it runs again). */
  preempted = false;
  preemptions = 0;
  /** Whether it has been admitted (run) at least once. */
  started = false;
  /** Prompt tokens the prefix cache served at its first admission. */
  cachedPromptTokens = 0;
  /** When it last started waiting (arrival, or preemption). */
  queuedSince: number;
  queueTimeMs = 0;
  finishReason: SequenceFinishReason | undefined;

  constructor(
    request: SchedulerRequest,
    /** Order of arrival: the FCFS tie-break. */
    readonly arrival: number,
    now: number,
  ) {
    this.id = request.id;
    this.priority = request.priority ?? 0;
    this.deadline = request.deadline;
    this.maxNewTokens = request.maxNewTokens;
    this.promptLength = request.promptTokenIds.length;
    this.tokens = [...request.promptTokenIds];
    this.queuedSince = now;
  }

  get outputLength(): number {
    return this.tokens.length - this.promptLength;
  }

  /** Tokens known but not yet computed. */
  get uncomputed(): number {
    return this.tokens.length - this.numComputed;
  }

  /** Whether this step's work is the one token sampled last step. */
  get isDecode(): boolean {
    return this.outputLength > 0 && this.uncomputed === 1;
  }

  /** Generated tokens (a copy). */
  outputTokenIds(): number[] {
    return this.tokens.slice(this.promptLength);
  }
}

/** Serve order: lower priority number first, then earlier arrival. Negative when a goes first. */
export function serveOrder(a: SequenceState, b: SequenceState): number {
  return a.priority - b.priority || a.arrival - b.arrival;
}
