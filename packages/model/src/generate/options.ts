import type { PageAllocator, PagedKvCache } from "@sieve/core";
import type { ModelConfig } from "../arch/config.js";
import type { GenerationDefaults } from "../loaders/types.js";
import type { SamplingParams } from "../sampling/params.js";
import { SamplingParamError } from "../sampling/params.js";
import type { Tokenizer } from "../tokenizer/types.js";

/** A request to generate: a prompt, sampling parameters, stop conditions and where to run. */
export interface GenerateOptions extends SamplingParams {
  /** Prompt text, encoded with the tokenizer (its BOS convention unless addBos says otherwise). */
  prompt?: string;
  /** Prompt token ids, used as they are (instead of prompt). */
  promptIds?: readonly number[];
  /** Prepend BOS when encoding `prompt` (default: the tokenizer's convention). */
  addBos?: boolean;
  /** Stop strings: generation ends before the first occurrence, which is not emitted. */
  stop?: string | readonly string[];
  /** Aborts generation: the last event then has finishReason "abort" and the pages are freed. */
  signal?: AbortSignal;
  /**
   * The checkpoint's defaults (LoadedCheckpoint.generation): sampling parameters the request
   * leaves unset, maxNewTokens, and the EOS/BOS ids that end generation.
   */
  defaults?: GenerationDefaults;
  /** Keep going past EOS (and BOS) tokens; stopTokenIds still apply. Default false. */
  ignoreEos?: boolean;
  /**
   * Also stop when BOS is sampled (default true): models trained on BOS-separated documents,
   * like llama2.c's, start the next document with BOS instead of emitting EOS.
   */
  stopOnBos?: boolean;
  /** Decode special tokens to text instead of skipping them (default false). */
  includeSpecialText?: boolean;
  /**
   * When prompt + maxTokens exceeds the model's context (maxSeqLen): "finish" (default) generates
   * until the context is full and ends with finishReason "length"; "error" throws a
   * ContextOverflowError before running anything. A prompt that leaves no room for even one
   * token always throws.
   */
  contextOverflow?: "finish" | "error";
  /** Prefill chunk size in tokens (default 512). */
  prefillChunkSize?: number;
  /**
   * The KV cache and the allocator of its pages to run on (both or neither). Default: a cache
   * just big enough for this request, dropped afterwards.
   */
  kv?: PagedKvCache;
  allocator?: PageAllocator;
}

/** The prompt does not fit in the model's context with the tokens asked for. */
export class ContextOverflowError extends RangeError {
  constructor(
    readonly promptTokens: number,
    readonly maxTokens: number | undefined,
    readonly maxSeqLen: number,
  ) {
    super(
      maxTokens === undefined || promptTokens >= maxSeqLen
        ? `the prompt has ${promptTokens} tokens but the model's context is ${maxSeqLen}: no room to generate; shorten the prompt`
        : `the prompt (${promptTokens} tokens) plus max_tokens (${maxTokens}) exceeds the model's context of ${maxSeqLen} tokens; lower max_tokens to at most ${maxSeqLen - promptTokens}`,
    );
    this.name = "ContextOverflowError";
  }
}

/** Everything the generation loop needs, resolved from a request and the checkpoint's defaults. */
export interface ResolvedGenerateRequest {
  promptIds: number[];
  sampling: SamplingParams;
  /** Tokens that end generation. */
  stopTokenIds: Set<number>;
  stopStrings: string[];
  /** Tokens to generate at most (already capped by the context). */
  maxNewTokens: number;
}

/**
 * Resolves a request: encodes the prompt, merges the checkpoint's sampling defaults under the
 * request's, gathers the stop token ids (request ∪ EOS ∪ BOS), and fits max tokens into the
 * context. Throws on a missing or empty prompt and on context overflow (see contextOverflow).
 */
export function resolveGenerateRequest(config: ModelConfig, tokenizer: Tokenizer, o: GenerateOptions): ResolvedGenerateRequest {
  const d = o.defaults ?? {};
  let promptIds: number[];
  if (o.promptIds !== undefined) promptIds = [...o.promptIds];
  else if (o.prompt !== undefined) promptIds = tokenizer.encode(o.prompt, o.addBos === undefined ? undefined : { addBos: o.addBos });
  else throw new TypeError("generate: give a prompt or promptIds");
  if (promptIds.length === 0) throw new RangeError("generate: the prompt is empty; give at least one token (e.g. BOS)");
  for (const id of promptIds) {
    if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) throw new RangeError(`generate: prompt token id ${id} is not in [0, ${config.vocabSize})`);
  }

  const sampling: SamplingParams = {
    presencePenalty: o.presencePenalty,
    frequencyPenalty: o.frequencyPenalty,
    logitBias: o.logitBias,
    seed: o.seed,
    stopTokenIds: o.stopTokenIds,
    logprobs: o.logprobs,
    topLogprobs: o.topLogprobs,
    temperature: o.temperature ?? d.temperature,
    topK: o.topK ?? d.topK,
    topP: o.topP ?? d.topP,
    minP: o.minP ?? d.minP,
    repetitionPenalty: o.repetitionPenalty ?? d.repetitionPenalty,
  };

  const stopTokenIds = new Set<number>(o.stopTokenIds ?? []);
  if (!o.ignoreEos) {
    const eos = d.eosTokenIds?.length ? d.eosTokenIds : config.eosTokenIds.length ? config.eosTokenIds : tokenizer.eosIds;
    for (const id of eos) stopTokenIds.add(id);
    const bos = d.bosTokenId ?? config.bosTokenId ?? tokenizer.bosId;
    if ((o.stopOnBos ?? true) && bos !== undefined) stopTokenIds.add(bos);
  }

  const stopStrings = o.stop === undefined ? [] : typeof o.stop === "string" ? [o.stop] : [...o.stop];

  const room = config.maxSeqLen - promptIds.length;
  const asked = o.maxTokens ?? d.maxNewTokens;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) throw new SamplingParamError("maxTokens", "must be a positive integer", asked);
  if (room < 1) throw new ContextOverflowError(promptIds.length, asked, config.maxSeqLen);
  if (asked !== undefined && asked > room && o.contextOverflow === "error") throw new ContextOverflowError(promptIds.length, asked, config.maxSeqLen);
  const maxNewTokens = Math.min(asked ?? room, room);

  return { promptIds, sampling, stopTokenIds, stopStrings, maxNewTokens };
}
