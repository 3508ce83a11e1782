import { DEFAULT_PAGE_SIZE, PageAllocator, type PagedKvCache } from "@sieve/core";
import type { LlamaModel } from "../arch/llama.js";
import { Sampler } from "../sampling/sampler.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { FinishReason, GenerateEvent, GenerateFinishEvent, GenerateTokenEvent } from "./events.js";
import { resolveGenerateRequest, type GenerateOptions } from "./options.js";
import { Sequence } from "./sequence.js";
import { StopStringMatcher } from "./stop-strings.js";

/** Lets timers, I/O and other requests run between two forward steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Generates a continuation of one prompt, streaming a "token" event per sampled token and a
 * final "finish" event. Runs chunked prefill, then one decode step per token, yielding to the
 * event loop between steps and checking `signal` there. The sequence's KV pages are released
 * when generation ends, however it ends (finish, abort, error, or the consumer breaking out).
 *
 * Request validation (sampling parameters, prompt, context) happens on the first next() call,
 * before anything runs; see GenerateOptions for the context-overflow rule.
 */
export async function* generate(model: LlamaModel, tokenizer: Tokenizer, options: GenerateOptions): AsyncGenerator<GenerateEvent, void, undefined> {
  const config = model.config;
  const req = resolveGenerateRequest(config, tokenizer, options);
  const sampler = new Sampler(req.sampling, { vocabSize: config.vocabSize, promptIds: req.promptIds });
  const matcher = new StopStringMatcher(req.stopStrings);
  // The last prompt token is the decoder's context: SentencePiece drops the dummy-prefix space of
  // a first token that follows BOS, but keeps the space of one that follows text.
  const decoder = tokenizer.createStreamDecoder({ skipSpecial: !options.includeSpecialText, previousId: req.promptIds[req.promptIds.length - 1] });
  const { kv, allocator } = kvFor(model, options, req.promptIds.length + req.maxNewTokens);
  const seq = new Sequence(model, kv, allocator, { prefillChunkSize: options.prefillChunkSize, maxLength: config.maxSeqLen });
  const signal = options.signal;
  let completionTokens = 0;

  const finish = (finishReason: FinishReason, stoppedBy?: number | string): GenerateFinishEvent => {
    // Pages go back before the last event is seen, so a consumer that stops reading there leaks nothing.
    seq.release();
    // Whatever the decoder and the matcher still hold is real output, unless a stop string ended
    // it (then the matcher holds nothing and the rest is after the stop string).
    const text = typeof stoppedBy === "string" ? "" : matcher.push(decoder.flush()).text + matcher.flush();
    const event: GenerateFinishEvent = { type: "finish", finishReason, usage: { promptTokens: req.promptIds.length, completionTokens }, text };
    if (stoppedBy !== undefined) event.stoppedBy = stoppedBy;
    return event;
  };

  try {
    let logits: Float32Array | undefined;
    for (let start = 0; start < req.promptIds.length; start += seq.prefillChunkSize) {
      if (signal?.aborted) {
        yield finish("abort");
        return;
      }
      logits = seq.prefill(req.promptIds.slice(start, start + seq.prefillChunkSize));
      await yieldToEventLoop();
    }

    for (;;) {
      if (signal?.aborted) {
        yield finish("abort");
        return;
      }
      const sampled = sampler.sample(logits!);
      completionTokens++;
      if (req.stopTokenIds.has(sampled.tokenId)) {
        yield finish("stop", sampled.tokenId);
        return;
      }
      const { text, stop } = matcher.push(decoder.push(sampled.tokenId));
      const event: GenerateTokenEvent = { type: "token", tokenId: sampled.tokenId, text };
      if (sampled.logprob !== undefined) event.logprob = sampled.logprob;
      if (sampled.topLogprobs !== undefined) event.topLogprobs = sampled.topLogprobs;
      yield event;
      if (stop !== undefined) {
        yield finish("stop", stop);
        return;
      }
      if (completionTokens >= req.maxNewTokens) {
        yield finish("length");
        return;
      }
      await yieldToEventLoop();
      if (signal?.aborted) {
        yield finish("abort");
        return;
      }
      logits = seq.decode(sampled.tokenId);
    }
  } finally {
    seq.release();
  }
}

/** The caller's cache, or one just big enough for `tokens` tokens. */
function kvFor(model: LlamaModel, o: GenerateOptions, tokens: number): { kv: PagedKvCache; allocator: PageAllocator } {
  if (o.kv && o.allocator) return { kv: o.kv, allocator: o.allocator };
  if (o.kv || o.allocator) throw new TypeError("generate: give both kv and allocator, or neither");
  const pages = Math.ceil(tokens / DEFAULT_PAGE_SIZE);
  return { kv: model.createKvCache(pages, DEFAULT_PAGE_SIZE), allocator: new PageAllocator(pages) };
}
