/**
 * generation_config.json <-> GenerationDefaults. Only what the file states is taken: Hugging
 * Face's implicit defaults (top_k 50 and so on) are transformers' policy, not the checkpoint's.
 * `do_sample: false` means greedy decoding, which GenerationDefaults expresses as temperature 0.
 */
import type { ModelConfig } from "../arch/config.js";
import { CheckpointFormatError } from "./format-error.js";
import type { JsonObject } from "./hf-json.js";
import type { GenerationDefaults } from "./types.js";

type Check = (v: number) => boolean;

function numberField(json: JsonObject, field: string, file: string, valid: Check, rule: string): number | undefined {
  const v = json[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || !valid(v)) {
    throw new CheckpointFormatError(file, field, undefined, `must be ${rule}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function tokenIds(json: JsonObject, field: string, file: string): number[] | undefined {
  const v = json[field];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((id) => Number.isInteger(id) && (id as number) >= 0)) {
    throw new CheckpointFormatError(file, field, undefined, `must be a token id or a list of token ids, got ${JSON.stringify(v)}`);
  }
  return list as number[];
}

/**
 * Reads a generation_config.json object. EOS/BOS fall back to the model config's, so the result
 * always says how generation stops when the model says so anywhere.
 */
export function parseGenerationConfig(json: JsonObject | undefined, file: string, config: ModelConfig): GenerationDefaults {
  const out: GenerationDefaults = {};
  const eos = json ? tokenIds(json, "eos_token_id", file) : undefined;
  out.eosTokenIds = eos ?? [...config.eosTokenIds];
  const bos = json ? tokenIds(json, "bos_token_id", file) : undefined;
  const bosId = bos?.[0] ?? config.bosTokenId;
  if (bosId !== undefined) out.bosTokenId = bosId;
  if (!json) return out;

  const maxNewTokens = numberField(json, "max_new_tokens", file, (v) => Number.isInteger(v) && v > 0, "a positive integer");
  if (maxNewTokens !== undefined) out.maxNewTokens = maxNewTokens;
  const repetitionPenalty = numberField(json, "repetition_penalty", file, (v) => v > 0, "positive");
  if (repetitionPenalty !== undefined) out.repetitionPenalty = repetitionPenalty;

  if (json.do_sample === false) {
    out.temperature = 0; // greedy; the sampling knobs below would be ignored by transformers too
    return out;
  }
  const temperature = numberField(json, "temperature", file, (v) => v >= 0, "a number >= 0");
  if (temperature !== undefined) out.temperature = temperature;
  const topK = numberField(json, "top_k", file, (v) => Number.isInteger(v) && v >= 0, "an integer >= 0");
  if (topK !== undefined) out.topK = topK;
  const topP = numberField(json, "top_p", file, (v) => v > 0 && v <= 1, "in (0, 1]");
  if (topP !== undefined) out.topP = topP;
  const minP = numberField(json, "min_p", file, (v) => v >= 0 && v <= 1, "in [0, 1]");
  if (minP !== undefined) out.minP = minP;
  return out;
}

/** The generation_config.json that parseGenerationConfig reads back to the same defaults. */
export function toGenerationConfig(g: GenerationDefaults, config: ModelConfig): JsonObject {
  const out: JsonObject = {};
  const bos = g.bosTokenId ?? config.bosTokenId;
  if (bos !== undefined) out.bos_token_id = bos;
  const eos = g.eosTokenIds ?? config.eosTokenIds;
  if (eos.length) out.eos_token_id = eos.length === 1 ? eos[0] : [...eos];
  if (g.temperature === 0) {
    out.do_sample = false;
  } else {
    const sampling: JsonObject = { temperature: g.temperature, top_k: g.topK, top_p: g.topP, min_p: g.minP };
    const stated = Object.entries(sampling).filter(([, v]) => v !== undefined);
    if (stated.length) out.do_sample = true;
    for (const [k, v] of stated) out[k] = v;
  }
  if (g.repetitionPenalty !== undefined) out.repetition_penalty = g.repetitionPenalty;
  if (g.maxNewTokens !== undefined) out.max_new_tokens = g.maxNewTokens;
  return out;
}
