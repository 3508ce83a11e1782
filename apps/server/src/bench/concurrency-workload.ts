/**
 * Prompts for the concurrency benchmark: synthetic token ids (no tokenizer needed), every
 * request its own seed so that no two prompts share a block and the throughput levels never hit
 * the prefix cache by accident; the shared-prefix workload gives M requests one long common
 * prefix plus distinct suffixes.
 */
import type { EngineRequest } from "../engine/index.js";
import { syntheticTokenIds } from "./synthetic-tokens.js";

export interface PromptVocabulary {
  vocabSize: number;
  /** Prepended to every prompt, as a real prompt would start; undefined when the model has none. */
  bosTokenId: number | undefined;
}

/** Greedy, EOS ignored: every request generates exactly `genTokens` tokens, so counts are known in advance. */
export function fixedLengthRequest(id: string, promptIds: number[], genTokens: number): EngineRequest {
  return { id, promptIds, maxTokens: genTokens, temperature: 0, ignoreEos: true };
}

/** Hands out prompts with fresh seeds (one source per benchmark run, so no seed repeats across levels). */
export class SyntheticPrompts {
  private nextSeed: number;

  constructor(
    private readonly vocab: PromptVocabulary,
    firstSeed = 1000,
  ) {
    this.nextSeed = firstSeed;
  }

  /** One prompt of `tokens` ids (BOS first when the model has one). */
  distinct(tokens: number): number[] {
    return syntheticTokenIds(tokens, this.vocab.vocabSize, this.vocab.bosTokenId, this.nextSeed++);
  }

  /** A prompt of `prefix` followed by `suffixTokens` fresh ids (no BOS in the middle). */
  withPrefix(prefix: readonly number[], suffixTokens: number): number[] {
    return [...prefix, ...syntheticTokenIds(suffixTokens, this.vocab.vocabSize, undefined, this.nextSeed++)];
  }
}

/** `count` fixed-length requests with distinct prompts of `promptTokens` ids, named `${tag}-${i}`. */
export function distinctRequests(prompts: SyntheticPrompts, tag: string, count: number, promptTokens: number, genTokens: number): EngineRequest[] {
  return Array.from({ length: count }, (_, i) => fixedLengthRequest(`${tag}-${i}`, prompts.distinct(promptTokens), genTokens));
}

/** `count` fixed-length requests sharing one `prefixTokens`-id prefix, each with its own `suffixTokens`-id suffix. */
export function sharedPrefixRequests(
  prompts: SyntheticPrompts,
  tag: string,
  count: number,
  prefixTokens: number,
  suffixTokens: number,
  genTokens: number,
): EngineRequest[] {
  const prefix = prompts.distinct(prefixTokens);
  return Array.from({ length: count }, (_, i) => fixedLengthRequest(`${tag}-${i}`, prompts.withPrefix(prefix, suffixTokens), genTokens));
}
