/**
 * Per-request sampling parameters, their validation and their defaults. Field names are
 * camelCase; error messages also name the OpenAI / vLLM wire name (snake_case), so that the
 * server can turn a SamplingParamError into an OpenAI-shaped error with the offending parameter.
 */

export interface SamplingParams {
  /** Softmax temperature; 0 (or below 1e-5) = greedy (argmax, every truncation ignored). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 (default) disables. */
  topK?: number;
  /** Nucleus sampling: keep the smallest set of most likely tokens with mass >= topP, in (0, 1]; 1 (default) disables. */
  topP?: number;
  /** Drop tokens whose probability is below minP times the top token's, in [0, 1]; 0 (default) disables. */
  minP?: number;
  /**
   * Hugging Face repetition penalty (> 0; 1 = off): the logit of every token already present in
   * the prompt or the output is divided by it when positive and multiplied by it when negative.
   */
  repetitionPenalty?: number;
  /** OpenAI presence penalty in [-2, 2]: subtracted once from the logit of every token already generated. */
  presencePenalty?: number;
  /** OpenAI frequency penalty in [-2, 2]: subtracted from a token's logit once per time it was generated. */
  frequencyPenalty?: number;
  /** Token id -> bias added to its logit, in [-100, 100] (OpenAI); +100 practically forces the token, -100 bans it. */
  logitBias?: Record<number, number> | ReadonlyMap<number, number>;
  /** Seed of this request's RNG: the same seed and the same logits give the same tokens. Unset = random. */
  seed?: number;
  /** Token ids that end generation (in addition to the model's EOS ids); they are not part of the output text. */
  stopTokenIds?: readonly number[];
  /** Most tokens to generate (a positive integer). */
  maxTokens?: number;
  /** Report the log-probability of each chosen token. */
  logprobs?: boolean;
  /** How many most likely alternatives to report per position, 0..20 (implies logprobs when > 0). */
  topLogprobs?: number;
}

/** Every parameter resolved to a concrete value. */
export interface ResolvedSamplingParams {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  /** Sorted by token id, so that applying the biases is deterministic and allocation-free. */
  logitBias: ReadonlyArray<readonly [tokenId: number, bias: number]>;
  seed: number | undefined;
  stopTokenIds: readonly number[];
  maxTokens: number | undefined;
  logprobs: boolean;
  topLogprobs: number;
}

/** The OpenAI / vLLM wire name of each parameter, used in error messages. */
export const WIRE_NAMES: Record<keyof SamplingParams, string> = {
  temperature: "temperature",
  topK: "top_k",
  topP: "top_p",
  minP: "min_p",
  repetitionPenalty: "repetition_penalty",
  presencePenalty: "presence_penalty",
  frequencyPenalty: "frequency_penalty",
  logitBias: "logit_bias",
  seed: "seed",
  stopTokenIds: "stop_token_ids",
  maxTokens: "max_tokens",
  logprobs: "logprobs",
  topLogprobs: "top_logprobs",
};

/** The most alternatives a request may ask for (OpenAI's limit). */
export const MAX_TOP_LOGPROBS = 20;

/** A sampling parameter out of range; `param` is the wire name (e.g. "top_p"), `field` the camelCase one. */
export class SamplingParamError extends RangeError {
  readonly param: string;
  constructor(
    readonly field: keyof SamplingParams,
    detail: string,
    readonly value: unknown,
  ) {
    const wire = WIRE_NAMES[field];
    const shown = wire === field ? wire : `${wire} (${field})`;
    super(`invalid sampling parameter ${shown}: ${detail}, got ${describe(value)}`);
    this.name = "SamplingParamError";
    this.param = wire;
  }
}

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function finiteNumber(field: keyof SamplingParams, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new SamplingParamError(field, "must be a finite number", v);
  return v;
}

function tokenIdIn(field: keyof SamplingParams, id: unknown, vocabSize: number | undefined, whole: unknown): number {
  const n = typeof id === "string" && /^-?\d+$/.test(id) ? Number(id) : id;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || (vocabSize !== undefined && n >= vocabSize)) {
    const range = vocabSize !== undefined ? `[0, ${vocabSize})` : "non-negative integers";
    throw new SamplingParamError(field, `token id ${describe(id)} is not in ${range}`, whole);
  }
  return n;
}

/**
 * Checks every parameter and fills in the defaults. `vocabSize`, when given, bounds the token
 * ids of logitBias and stopTokenIds. Throws a SamplingParamError naming the first bad parameter.
 */
export function validateSamplingParams(p: SamplingParams, vocabSize?: number): ResolvedSamplingParams {
  const temperature = p.temperature === undefined ? 1 : finiteNumber("temperature", p.temperature);
  if (temperature < 0) throw new SamplingParamError("temperature", "must be >= 0 (0 = greedy)", temperature);

  const topK = p.topK === undefined ? 0 : p.topK;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 0) {
    throw new SamplingParamError("topK", "must be a non-negative integer (0 disables)", topK);
  }
  const topP = p.topP === undefined ? 1 : finiteNumber("topP", p.topP);
  if (!(topP > 0 && topP <= 1)) throw new SamplingParamError("topP", "must be in (0, 1]", topP);
  const minP = p.minP === undefined ? 0 : finiteNumber("minP", p.minP);
  if (!(minP >= 0 && minP <= 1)) throw new SamplingParamError("minP", "must be in [0, 1]", minP);

  const repetitionPenalty = p.repetitionPenalty === undefined ? 1 : finiteNumber("repetitionPenalty", p.repetitionPenalty);
  if (!(repetitionPenalty > 0)) throw new SamplingParamError("repetitionPenalty", "must be > 0 (1 disables)", repetitionPenalty);
  const presencePenalty = p.presencePenalty === undefined ? 0 : finiteNumber("presencePenalty", p.presencePenalty);
  if (Math.abs(presencePenalty) > 2) throw new SamplingParamError("presencePenalty", "must be in [-2, 2]", presencePenalty);
  const frequencyPenalty = p.frequencyPenalty === undefined ? 0 : finiteNumber("frequencyPenalty", p.frequencyPenalty);
  if (Math.abs(frequencyPenalty) > 2) throw new SamplingParamError("frequencyPenalty", "must be in [-2, 2]", frequencyPenalty);

  const logitBias = resolveLogitBias(p.logitBias, vocabSize);

  let seed: number | undefined;
  if (p.seed !== undefined && p.seed !== null) {
    if (typeof p.seed !== "number" || !Number.isSafeInteger(p.seed)) throw new SamplingParamError("seed", "must be a safe integer", p.seed);
    seed = p.seed;
  }

  const stopTokenIds: number[] = [];
  if (p.stopTokenIds !== undefined) {
    if (!Array.isArray(p.stopTokenIds)) throw new SamplingParamError("stopTokenIds", "must be an array of token ids", p.stopTokenIds);
    for (const id of p.stopTokenIds) stopTokenIds.push(tokenIdIn("stopTokenIds", id, vocabSize, p.stopTokenIds));
  }

  let maxTokens: number | undefined;
  if (p.maxTokens !== undefined) {
    if (typeof p.maxTokens !== "number" || !Number.isInteger(p.maxTokens) || p.maxTokens < 1) {
      throw new SamplingParamError("maxTokens", "must be a positive integer", p.maxTokens);
    }
    maxTokens = p.maxTokens;
  }

  const topLogprobs = p.topLogprobs === undefined ? 0 : p.topLogprobs;
  if (typeof topLogprobs !== "number" || !Number.isInteger(topLogprobs) || topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
    throw new SamplingParamError("topLogprobs", `must be an integer in [0, ${MAX_TOP_LOGPROBS}]`, topLogprobs);
  }
  if (p.logprobs !== undefined && typeof p.logprobs !== "boolean") throw new SamplingParamError("logprobs", "must be a boolean", p.logprobs);
  const logprobs = p.logprobs === true || topLogprobs > 0;

  return {
    temperature,
    topK,
    topP,
    minP,
    repetitionPenalty,
    presencePenalty,
    frequencyPenalty,
    logitBias,
    seed,
    stopTokenIds,
    maxTokens,
    logprobs,
    topLogprobs,
  };
}

function resolveLogitBias(bias: SamplingParams["logitBias"], vocabSize: number | undefined): Array<readonly [number, number]> {
  if (bias === undefined || bias === null) return [];
  if (typeof bias !== "object") throw new SamplingParamError("logitBias", "must be an object mapping token ids to biases", bias);
  const entries: Array<[unknown, unknown]> = bias instanceof Map ? [...bias.entries()] : Object.entries(bias);
  const out: Array<readonly [number, number]> = [];
  for (const [key, value] of entries) {
    const id = tokenIdIn("logitBias", key, vocabSize, bias instanceof Map ? Object.fromEntries(bias) : bias);
    if (typeof value !== "number" || !Number.isFinite(value) || value < -100 || value > 100) {
      throw new SamplingParamError("logitBias", `bias of token ${id} must be a number in [-100, 100]`, value);
    }
    out.push([id, value]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}
