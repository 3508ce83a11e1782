/** POST /v1/completions: OpenAI's legacy completions request. */
import { Type, type Static } from "@sinclair/typebox";
import { nullable, SamplingFields } from "./sampling.js";

/** Most prompts in one batched request (a prompt array), and most choices overall. */
export const MAX_PROMPTS = 32;

export const CompletionRequestSchema = Type.Object({
  ...SamplingFields,
  /** A string, a list of strings (one choice set each), token ids, or a list of token id lists. */
  prompt: Type.Union([
    Type.String(),
    Type.Array(Type.String(), { minItems: 1, maxItems: MAX_PROMPTS }),
    Type.Array(Type.Integer(), { minItems: 1 }),
    Type.Array(Type.Array(Type.Integer(), { minItems: 1 }), { minItems: 1, maxItems: MAX_PROMPTS }),
  ]),
  /** OpenAI: the number of most likely alternatives to report per token (0 = the chosen token only). */
  logprobs: nullable(Type.Integer({ minimum: 0, maximum: 20 })),
  echo: nullable(Type.Boolean()),
  suffix: nullable(Type.String()),
  best_of: nullable(Type.Integer({ minimum: 1 })),
});

export type CompletionRequest = Static<typeof CompletionRequestSchema>;
