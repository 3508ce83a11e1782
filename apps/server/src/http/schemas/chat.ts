/** POST /v1/chat/completions: OpenAI's chat completions request (text only). */
import { Type, type Static } from "@sinclair/typebox";
import { nullable, SamplingFields } from "./sampling.js";

/** A content part; only text parts can be served by a text model. */
const ContentPart = Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) });

export const ChatMessageSchema = Type.Object({
  role: Type.String({ minLength: 1 }),
  content: Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()]),
  name: nullable(Type.String()),
});

export const ChatRequestSchema = Type.Object({
  ...SamplingFields,
  messages: Type.Array(ChatMessageSchema, { minItems: 1 }),
  /** Newer name of max_tokens; wins when both are given. */
  max_completion_tokens: nullable(Type.Integer({ minimum: 1 })),
  logprobs: nullable(Type.Boolean()),
  top_logprobs: nullable(Type.Integer({ minimum: 0, maximum: 20 })),
  response_format: nullable(Type.Object({ type: Type.String() })),
  tools: nullable(Type.Array(Type.Unknown())),
  tool_choice: Type.Optional(Type.Unknown()),
  /** vLLM extension: end the rendered prompt with the assistant turn's opening (default true). */
  add_generation_prompt: nullable(Type.Boolean()),
});

export type ChatRequest = Static<typeof ChatRequestSchema>;
export type ChatMessageInput = Static<typeof ChatMessageSchema>;
