/**
 * Fits prompt + max_tokens into the model's context before queueing. An explicit max_tokens that
 * does not fit is a 400 with the counts (as OpenAI answers); without one, generation may use the
 * rest of the context.
 */
import { badRequest } from "./api-error.js";

export interface ContextFit {
  /** The max_tokens to send to the engine. */
  maxTokens: number;
}

/**
 * @param asked max_tokens as the client gave it (undefined: not given)
 * @param fallback the default when not given (e.g. 16 for completions); capped by the context
 */
export function fitContext(promptTokens: number, asked: number | undefined, fallback: number | undefined, maxModelLen: number, promptParam: string): ContextFit {
  const room = maxModelLen - promptTokens;
  if (room < 1) {
    throw badRequest(
      `This model's maximum context length is ${maxModelLen} tokens. However, your ${promptParam} has ${promptTokens} tokens, which leaves no room to generate. Please shorten the ${promptParam}.`,
      promptParam,
      "context_length_exceeded",
    );
  }
  if (asked !== undefined && asked > room) {
    throw badRequest(
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + asked} tokens (${promptTokens} in the ${promptParam}, ${asked} for the completion). Please reduce the length of the ${promptParam} or max_tokens (at most ${room} here).`,
      "max_tokens",
      "context_length_exceeded",
    );
  }
  return { maxTokens: Math.min(asked ?? fallback ?? room, room) };
}
