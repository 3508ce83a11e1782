/** What one scheduling step hands the runtime, and what the runtime reports back. */

/** Why a sequence ended. The scheduler decides "length", "timeout" and "abort"; the runtime reports the rest. */
export type SequenceFinishReason = "stop" | "length" | "abort" | "timeout" | "error";

/** Copy every slot of physical block `src` into block `dst` (all layers, K and V). */
export interface BlockCopy {
  src: number;
  dst: number;
}

/** One sequence's share of a step. */
export interface ScheduledSequence {
  seqId: string;
  /** The token ids to compute this step: a prompt chunk, recomputed tokens, or the token sampled last step. */
  tokenIds: number[];
  /** Absolute position of tokenIds[0]; the others follow. */
  startPosition: number;
  numTokens: number;
  /**
   * The sequence's block-table row: physical block of each logical block, -1 for a block a
   * release policy dropped (attention must treat it as unmapped). A copy, safe to keep.
   */
  blockTable: number[];
  /** Whether the logits of the last token are wanted: the last chunk of a prefill, or a decode. */
  needsLogits: boolean;
  /** "decode": one token sampled last step; "prefill": tokens the sequence already had (prompt, or a recompute). */
  phase: "prefill" | "decode";
}

/** The final record of a sequence that ended (finished, timed out, aborted). */
export interface FinishedSequence {
  seqId: string;
  reason: SequenceFinishReason;
  /** Tokens generated (the prompt excluded; a final stop token the runtime reported included). */
  outputTokenIds: number[];
  /** Prompt tokens served from the prefix cache at admission (first admission only). */
  cachedPromptTokens: number;
  /** Milliseconds spent waiting to be scheduled, preemptions included. */
  queueTimeMs: number;
  preemptions: number;
}

export interface SchedulerStep {
  /** Increases by one per step. */
  id: number;
  /** Sequences to run, in batch order. */
  sequences: ScheduledSequence[];
  /** Block copies (copy-on-write) to perform, in this order, before the forward pass. */
  copies: BlockCopy[];
  /** Sequences preempted (blocks freed, back in the waiting queue) while building this step. */
  preempted: string[];
  /** Sequences that ended while building this step (deadline passed). */
  finished: FinishedSequence[];
  /** Tokens computed this step (sum of numTokens). */
  numBatchedTokens: number;
}

/** What the runtime reports after running a step. */
export interface StepResults {
  /** Tokens sampled per sequence (normally one for each sequence whose logits were wanted). */
  appended?: ReadonlyArray<{ seqId: string; tokenIds: readonly number[] }>;
  /** Sequences the runtime ended (stop token, stop string, its own length rule, an error). */
  finished?: ReadonlyArray<{ seqId: string; reason: SequenceFinishReason }>;
}
