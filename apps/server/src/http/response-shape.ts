/**
 * What a completions or chat response looks like, built as events arrive: each shape keeps the
 * text and logprobs of every choice and renders either stream chunks (as events come) or the
 * whole response at the end. The runner (respond.ts) does not know which API it serves.
 */
import type { EngineTokenEvent } from "../engine/index.js";

export type FinishReason = "stop" | "length";

/** OpenAI `usage`. */
export interface UsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export interface ResponseShape {
  /** Chunks right after the stream opens (chat: each choice's role; completions: echoed prompts). */
  opening(): object[];
  /** Records a token; returns its stream chunks (none for a token that made no text visible yet). */
  token(choice: number, text: string, token: EngineTokenEvent): object[];
  /** Records the end of a choice; returns its last stream chunks. */
  finish(choice: number, text: string, reason: FinishReason): object[];
  /** The final chunk of stream_options.include_usage: no choices, just usage. */
  usageChunk(usage: UsageBody): object;
  /** The whole non-streaming response. */
  full(usage: UsageBody): object;
}

/** id, object, created and model: the same on every chunk of one response. */
export interface Envelope {
  id: string;
  created: number;
  model: string;
  /** Adds `usage: null` to every chunk, as OpenAI does when stream_options.include_usage is set. */
  includeUsage: boolean;
}

export function randomId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replace(/-/g, "")}`;
}
