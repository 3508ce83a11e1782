/**
 * The request fields completions and chat completions share: OpenAI's sampling parameters, plus
 * the vLLM extensions Sieve supports (top_k, min_p, repetition_penalty, stop_token_ids,
 * ignore_eos). The schema checks types; ranges are checked by @sieve/model's
 * validateSamplingParams before anything is queued, so both paths name the parameter alike.
 * Optional fields accept null, as OpenAI's API does.
 */
import { Type, type TSchema } from "@sinclair/typebox";

/** The most choices one request may ask for. */
export const MAX_N = 16;
/** The most stop strings one request may give (OpenAI allows 4; vLLM more). */
export const MAX_STOP_STRINGS = 16;

export function nullable<T extends TSchema>(schema: T) {
  return Type.Optional(Type.Union([schema, Type.Null()]));
}

export const SamplingFields = {
  model: Type.String({ minLength: 1 }),
  temperature: nullable(Type.Number()),
  top_p: nullable(Type.Number()),
  top_k: nullable(Type.Integer({ minimum: -1 })),
  min_p: nullable(Type.Number()),
  repetition_penalty: nullable(Type.Number()),
  presence_penalty: nullable(Type.Number()),
  frequency_penalty: nullable(Type.Number()),
  logit_bias: nullable(Type.Record(Type.String(), Type.Number())),
  seed: nullable(Type.Integer()),
  n: nullable(Type.Integer({ minimum: 1, maximum: MAX_N })),
  stop: nullable(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { maxItems: MAX_STOP_STRINGS })])),
  stop_token_ids: nullable(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 64 })),
  ignore_eos: nullable(Type.Boolean()),
  max_tokens: nullable(Type.Integer({ minimum: 1 })),
  stream: nullable(Type.Boolean()),
  stream_options: nullable(Type.Object({ include_usage: nullable(Type.Boolean()) })),
  user: nullable(Type.String()),
};
