import type { TokenLogprob } from "../sampling/logprobs.js";

/** One generated token and the text it completes. */
export interface GenerateTokenEvent {
  type: "token";
  tokenId: number;
  /**
   * The text that became safe to show with this token: UTF-8 complete (bytes of a partial
   * character wait for the next token) and with any possible start of a stop string held back.
   * May be "" and may include text held back from earlier tokens.
   */
  text: string;
  /** Present when logprobs were asked for (see Sampler for the distribution). */
  logprob?: number;
  topLogprobs?: TokenLogprob[];
}

/**
 * Why generation ended: "stop" (a stop token id or EOS/BOS was sampled, or a stop string
 * appeared), "length" (maxTokens reached, or the model's context is full), "abort" (the signal
 * fired).
 */
export type FinishReason = "stop" | "length" | "abort";

export interface Usage {
  promptTokens: number;
  /** Tokens sampled, including a final stop token id (which is not emitted as an event). */
  completionTokens: number;
}

/** The last event. */
export interface GenerateFinishEvent {
  type: "finish";
  finishReason: FinishReason;
  usage: Usage;
  /** Text still held back when generation ended (a partial stop string that did not complete); usually "". */
  text: string;
  /** The stop token id or stop string that ended generation, when finishReason is "stop". */
  stoppedBy?: number | string;
}

export type GenerateEvent = GenerateTokenEvent | GenerateFinishEvent;
