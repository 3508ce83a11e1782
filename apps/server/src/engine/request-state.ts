/**
 * One request inside the engine: its resolved prompt and limits, its sampler (own RNG and
 * penalty history), its incremental detokenizer and its stop-string matcher. None of these is
 * touched by preemption: a recomputed sequence resumes sampling exactly where it stopped.
 */
import { resolveGenerateRequest, Sampler, StopStringMatcher, type GenerationDefaults, type LlamaModel, type StreamDecoder, type Tokenizer } from "@sieve/model";
import type { FinishedSequence } from "@sieve/scheduler";
import type { EngineFinishEvent, EngineFinishReason, EngineRequest, EngineTokenEvent } from "./types.js";

/** What sampling one logits row produced. */
export interface SampleOutcome {
  tokenId: number;
  /** The event to emit (none for a stop token id, which is never shown). */
  event?: EngineTokenEvent;
  /** Set when this token ended generation (a stop token id or a stop string). */
  stop?: number | string;
}

export class RequestState {
  readonly promptIds: number[];
  readonly maxNewTokens: number;
  completionTokens = 0;
  private readonly sampler: Sampler;
  private readonly decoder: StreamDecoder;
  private readonly matcher: StopStringMatcher;
  private readonly stopTokenIds: ReadonlySet<number>;
  private stoppedBy: number | string | undefined;

  /** Resolves and validates the request; throws (SamplingParamError, ContextOverflowError, RangeError, TypeError) when it is bad. */
  constructor(
    readonly id: string,
    request: EngineRequest,
    model: LlamaModel,
    tokenizer: Tokenizer,
    defaults: GenerationDefaults,
  ) {
    const resolved = resolveGenerateRequest(model.config, tokenizer, { ...request, defaults });
    this.promptIds = resolved.promptIds;
    this.maxNewTokens = resolved.maxNewTokens;
    this.stopTokenIds = resolved.stopTokenIds;
    this.sampler = new Sampler(resolved.sampling, { vocabSize: model.config.vocabSize, promptIds: resolved.promptIds });
    this.matcher = new StopStringMatcher(resolved.stopStrings);
    // The last prompt token is the decoder's context (SentencePiece's leading-space rule).
    this.decoder = tokenizer.createStreamDecoder({ skipSpecial: !request.includeSpecialText, previousId: resolved.promptIds.at(-1) });
  }

  /** Samples the next token from this request's logits row ([vocab]). */
  sample(logits: Float32Array): SampleOutcome {
    const sampled = this.sampler.sample(logits);
    this.completionTokens++;
    if (this.stopTokenIds.has(sampled.tokenId)) {
      this.stoppedBy = sampled.tokenId;
      return { tokenId: sampled.tokenId, stop: sampled.tokenId };
    }
    const { text, stop } = this.matcher.push(this.decoder.push(sampled.tokenId));
    const event: EngineTokenEvent = { type: "token", requestId: this.id, tokenId: sampled.tokenId, text };
    if (sampled.logprob !== undefined) event.logprob = sampled.logprob;
    if (sampled.topLogprobs !== undefined) event.topLogprobs = sampled.topLogprobs;
    if (stop !== undefined) this.stoppedBy = stop;
    return { tokenId: sampled.tokenId, event, stop };
  }

  /** The final event, with whatever text was still held back (unless a stop string ended it). */
  finishEvent(reason: EngineFinishReason, record: FinishedSequence | undefined): EngineFinishEvent {
    const text = typeof this.stoppedBy === "string" ? "" : this.matcher.push(this.decoder.flush()).text + this.matcher.flush();
    const event: EngineFinishEvent = {
      type: "finish",
      requestId: this.id,
      finishReason: reason,
      usage: {
        promptTokens: this.promptIds.length,
        completionTokens: this.completionTokens,
        cachedPromptTokens: record?.cachedPromptTokens ?? 0,
        queueTimeMs: record?.queueTimeMs ?? 0,
        preemptions: record?.preemptions ?? 0,
      },
      text,
    };
    if (reason === "stop" && this.stoppedBy !== undefined) event.stoppedBy = this.stoppedBy;
    return event;
  }
}
