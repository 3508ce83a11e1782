import type { Rng } from "@sieve/core";
import { buildCandidates, createCandidateBuffers, drawCandidate, type CandidateBuffers } from "./candidates.js";
import { scaledLogSumExp, topLogprobsOf, type TokenLogprob } from "./logprobs.js";
import { validateSamplingParams, type ResolvedSamplingParams, type SamplingParams } from "./params.js";
import { applyLogitBias, applyPresenceFrequencyPenalties, applyRepetitionPenalty } from "./penalties.js";
import { rngForSeed } from "./seeded-rng.js";
import { TokenHistory } from "./token-history.js";

/**
 * Temperatures below this are greedy (as in vLLM): 1 / T would overflow the scaled logits to
 * infinities and NaNs long before it changes which token wins.
 */
export const GREEDY_BELOW_TEMPERATURE = 1e-5;

export interface SamplerOptions {
  /** Length of each logits row. */
  vocabSize: number;
  /** The prompt's token ids: the repetition penalty covers them (presence/frequency do not). */
  promptIds?: ArrayLike<number>;
}

/** One sampled token. */
export interface SampledToken {
  tokenId: number;
  /** Log-probability of the chosen token (when logprobs were asked for); see Sampler for which distribution. */
  logprob?: number;
  /** The most likely alternatives, most likely first (when topLogprobs > 0). */
  topLogprobs?: TokenLogprob[];
}

/**
 * Chooses tokens for one request. Per token: copy the logits, apply logit bias, the repetition
 * penalty and the presence/frequency penalties (touching only the tokens involved), then either
 * take the argmax (temperature 0, or below GREEDY_BELOW_TEMPERATURE) or scale by 1/temperature, truncate (top-k, top-p, min-p, in
 * that order) and draw with the request's own RNG.
 *
 * Logprobs describe the *processed* distribution before truncation:
 * log_softmax((logits + bias, penalised) / temperature) over the whole vocabulary, with
 * temperature 1 when greedy. So they reflect the penalties and the temperature the request asked
 * for, and stay finite for tokens that top-k/top-p/min-p excluded (like OpenAI's, which are
 * reported after temperature); they are not the raw model distribution.
 *
 * Buffers of vocabulary size are allocated once per sampler and reused for every token.
 */
export class Sampler {
  readonly params: ResolvedSamplingParams;
  readonly vocabSize: number;
  private readonly rng: Rng;
  private readonly history: TokenHistory;
  private readonly stopIds: ReadonlySet<number>;
  private readonly processed: Float32Array;
  private buffers: CandidateBuffers | undefined;
  private readonly topScratch: Int32Array;
  /** Whether bias or a penalty can change a logit; when none can, sample() reads the row as is. */
  private readonly processes: boolean;

  constructor(params: SamplingParams, options: SamplerOptions) {
    const { vocabSize } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`Sampler: vocabSize must be a positive integer, got ${vocabSize}`);
    this.vocabSize = vocabSize;
    this.params = validateSamplingParams(params, vocabSize);
    this.rng = rngForSeed(this.params.seed);
    this.history = new TokenHistory(options.promptIds);
    this.stopIds = new Set(this.params.stopTokenIds);
    this.processed = new Float32Array(vocabSize);
    this.topScratch = new Int32Array(Math.max(1, this.params.topLogprobs));
    const p = this.params;
    this.processes = p.logitBias.length > 0 || p.repetitionPenalty !== 1 || p.presencePenalty !== 0 || p.frequencyPenalty !== 0;
  }

  /** Whether the token is one of this request's stop token ids. */
  isStopToken(tokenId: number): boolean {
    return this.stopIds.has(tokenId);
  }

  /**
   * The logits after bias and penalties (before temperature), in the sampler's own buffer: valid
   * until the next call. The input row is not modified.
   */
  processLogits(logits: Float32Array): Float32Array {
    if (logits.length !== this.vocabSize) {
      throw new RangeError(`Sampler: logits row has ${logits.length} entries, expected vocabSize ${this.vocabSize}`);
    }
    const p = this.params;
    const out = this.processed;
    out.set(logits);
    applyLogitBias(out, p.logitBias);
    applyRepetitionPenalty(out, this.history.seenTokens(), p.repetitionPenalty);
    applyPresenceFrequencyPenalties(out, this.history.generatedCounts(), p.presencePenalty, p.frequencyPenalty);
    return out;
  }

  /** Chooses the next token from one [vocab] logits row and records it in the history. */
  sample(logits: Float32Array): SampledToken {
    // Nothing below writes to x, so without bias or penalties the row is used in place: the
    // copy into the sampler's buffer would cost a pass over the vocabulary for nothing.
    const x = this.processes ? this.processLogits(logits) : checkedRow(logits, this.vocabSize);
    const { temperature, topK, topP, minP } = this.params;
    const { max, argmax } = maxOf(x);
    const greedy = temperature < GREEDY_BELOW_TEMPERATURE;
    const invT = greedy ? 1 : 1 / temperature;

    let tokenId: number;
    let vocabMass: number | undefined;
    if (greedy) {
      tokenId = argmax;
    } else {
      const buffers = (this.buffers ??= createCandidateBuffers(this.vocabSize));
      const set = buildCandidates(x, max, invT, { topK, topP, minP }, buffers);
      tokenId = drawCandidate(set, buffers, this.rng.next());
      vocabMass = set.vocabMass;
    }
    this.history.addGenerated(tokenId);

    const result: SampledToken = { tokenId };
    if (this.params.logprobs) {
      const logSum = vocabMass !== undefined ? Math.log(vocabMass) : scaledLogSumExp(x, max, invT);
      result.logprob = (x[tokenId]! - max) * invT - logSum;
      if (this.params.topLogprobs > 0) result.topLogprobs = topLogprobsOf(x, max, invT, logSum, this.params.topLogprobs, this.topScratch);
    }
    return result;
  }

  /** Records a token that was not sampled here (e.g. forced), so that penalties see it. */
  record(tokenId: number): void {
    this.history.addGenerated(tokenId);
  }
}

function checkedRow(logits: Float32Array, vocabSize: number): Float32Array {
  if (logits.length !== vocabSize) throw new RangeError(`Sampler: logits row has ${logits.length} entries, expected vocabSize ${vocabSize}`);
  return logits;
}

/** Row maximum and its first index, in one pass; rejects NaN and an all -Infinity row. */
function maxOf(x: Float32Array): { max: number; argmax: number } {
  let max = -Infinity;
  let argmax = -1;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    // One comparison per token in the common case: only a new maximum or a NaN fails `v <= max`.
    if (!(v <= max)) {
      if (v !== v) throw new RangeError(`Sampler: logit of token ${i} is NaN`);
      max = v;
      argmax = i;
    }
  }
  if (argmax < 0) throw new RangeError("Sampler: every token has logit -Infinity (all banned)");
  return { max, argmax };
}
