/**
 * From the wire (OpenAI's snake_case fields) to the engine's request, validated on this thread
 * before anything is queued: a streaming request must get its 400 before the 200 of the event
 * stream, so the engine's own checks are only a backstop.
 */
import { SamplingParamError, validateSamplingParams, type SamplingParams } from "@sieve/model";
import type { EngineRequest } from "../engine/index.js";
import { badRequest } from "./api-error.js";
import type { Static } from "@sinclair/typebox";
import type { SamplingFields } from "./schemas/sampling.js";

type Nullable<T> = T | null | undefined;
type SamplingBody = { [K in keyof typeof SamplingFields]?: Static<(typeof SamplingFields)[K]> | null };

/** Engine fields shared by every choice of one HTTP request (prompt, seed and limits are per choice). */
export type SharedParams = Omit<EngineRequest, "promptIds" | "prompt" | "id" | "seed" | "maxTokens">;

export interface LogprobsRequest {
  logprobs: boolean;
  topLogprobs: number;
}

function defined<T>(value: Nullable<T>): T | undefined {
  return value === null ? undefined : value;
}

export function stopStrings(stop: Nullable<string | string[]>): string[] {
  if (stop === undefined || stop === null) return [];
  return typeof stop === "string" ? [stop] : stop;
}

/**
 * The sampling parameters of a request, checked with the same validation the engine runs (so
 * the 400 names the wire parameter, e.g. "top_p").
 */
export function samplingParams(body: SamplingBody, logprobs: LogprobsRequest, vocabSize: number): SharedParams & { seed?: number } {
  const topK = defined(body.top_k);
  const params: SamplingParams = {
    temperature: defined(body.temperature),
    // vLLM spells "no top-k" as -1; the engine as 0.
    topK: topK === -1 ? 0 : topK,
    topP: defined(body.top_p),
    minP: defined(body.min_p),
    repetitionPenalty: defined(body.repetition_penalty),
    presencePenalty: defined(body.presence_penalty),
    frequencyPenalty: defined(body.frequency_penalty),
    logitBias: defined(body.logit_bias),
    seed: defined(body.seed),
    stopTokenIds: defined(body.stop_token_ids),
    logprobs: logprobs.logprobs || undefined,
    topLogprobs: logprobs.topLogprobs || undefined,
  };
  try {
    validateSamplingParams(params, vocabSize);
  } catch (e) {
    if (e instanceof SamplingParamError) throw badRequest(e.message, e.param, "invalid_parameter");
    throw e;
  }
  const out: SharedParams & { seed?: number } = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  if (body.ignore_eos) out.ignoreEos = true;
  return out;
}

/** Seeds of n choices: seed, seed+1, ... (so choice 0 of n equals the n = 1 answer); unseeded stays random. */
export function choiceSeeds(seed: number | undefined, n: number): (number | undefined)[] {
  return Array.from({ length: n }, (_, i) => (seed === undefined ? undefined : seed + i));
}
