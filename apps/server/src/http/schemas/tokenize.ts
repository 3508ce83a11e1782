/** POST /tokenize and POST /detokenize (vLLM's shapes): text or a conversation in, token ids out, and back. */
import { Type, type Static } from "@sinclair/typebox";
import { ChatMessageSchema } from "./chat.js";
import { nullable } from "./sampling.js";

export const TokenizeRequestSchema = Type.Union([
  Type.Object({
    model: nullable(Type.String()),
    prompt: Type.String(),
    /** Add BOS as the tokenizer's convention says (default true). */
    add_special_tokens: nullable(Type.Boolean()),
  }),
  Type.Object({
    model: nullable(Type.String()),
    messages: Type.Array(ChatMessageSchema, { minItems: 1 }),
    add_generation_prompt: nullable(Type.Boolean()),
  }),
]);

export const DetokenizeRequestSchema = Type.Object({
  model: nullable(Type.String()),
  tokens: Type.Array(Type.Integer()),
});

export type TokenizeRequest = Static<typeof TokenizeRequestSchema>;
export type DetokenizeRequest = Static<typeof DetokenizeRequestSchema>;
