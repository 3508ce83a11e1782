import { PageAllocator } from "@sieve/core";
import { describe, expect, it } from "vitest";
import type { GenerateEvent } from "./events.js";
import { generate } from "./generate.js";
import { generateText } from "./generate-text.js";
import { ContextOverflowError } from "./options.js";
import { PIECES, PieceTokenizer, tinyModel } from "./tiny-model.fixture.js";

const model = tinyModel(11);
const tokenizer = new PieceTokenizer();

async function collect(it: AsyncIterable<GenerateEvent>): Promise<GenerateEvent[]> {
  const events: GenerateEvent[] = [];
  for await (const e of it) events.push(e);
  return events;
}

describe("generate", () => {
  it("streams tokens whose text deltas add up to the decoded tokens, then a finish event", async () => {
    const events = await collect(generate(model, tokenizer, { promptIds: [1, 3, 4], temperature: 0, maxTokens: 12, ignoreEos: true }));
    const tokens = events.filter((e) => e.type === "token");
    const finish = events.at(-1)!;
    expect(tokens.length).toBe(12);
    expect(finish).toMatchObject({ type: "finish", finishReason: "length", usage: { promptTokens: 3, completionTokens: 12 } });
    expect(events.map((e) => e.text).join("")).toBe(tokenizer.decode(tokens.map((e) => (e.type === "token" ? e.tokenId : 0))));
  });

  it("greedy generation equals argmax of a full prefill at every step", async () => {
    const r = await generateText(model, tokenizer, { promptIds: [1, 5], temperature: 0, maxTokens: 6, ignoreEos: true });
    const seqIds = [1, 5];
    for (const id of r.tokenIds) {
      const kv = model.createKvCache(8, 16);
      const { Sequence } = await import("./sequence.js");
      const seq = new Sequence(model, kv, new PageAllocator(8));
      const logits = seq.prefill(seqIds);
      let best = 0;
      for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
      expect(id).toBe(best);
      seqIds.push(id);
    }
  });

  it("stops on a stop string spanning token boundaries without emitting it", async () => {
    // Find a greedy continuation, then use a piece of its text that straddles two tokens as the stop string.
    const base = await generateText(model, tokenizer, { promptIds: [1, 3], temperature: 0, maxTokens: 30, ignoreEos: true });
    let stop = "";
    for (let i = 3; i + 1 < base.tokenIds.length && !stop; i++) {
      const a = PIECES[base.tokenIds[i]!]!;
      const b = PIECES[base.tokenIds[i + 1]!]!;
      if (a.length > 0 && b.length > 0) stop = a.slice(-1) + b;
    }
    expect(stop.length).toBeGreaterThan(1);
    const expected = base.text.slice(0, base.text.indexOf(stop));
    const events = await collect(generate(model, tokenizer, { promptIds: [1, 3], temperature: 0, maxTokens: 30, ignoreEos: true, stop: ["\u0000never", stop] }));
    const text = events.map((e) => e.text).join("");
    expect(text).toBe(expected);
    expect(text).not.toContain(stop);
    expect(events.at(-1)).toMatchObject({ finishReason: "stop", stoppedBy: stop });
  });

  it("stops on EOS / BOS / stop token ids from the checkpoint defaults, without emitting them", async () => {
    const base = await generateText(model, tokenizer, { promptIds: [1, 4], temperature: 0, maxTokens: 10, ignoreEos: true });
    const third = base.tokenIds[2]!;
    const r = await generateText(model, tokenizer, { promptIds: [1, 4], temperature: 0, maxTokens: 10, defaults: { eosTokenIds: [third] }, stopOnBos: false });
    expect(r.tokenIds).toEqual(base.tokenIds.slice(0, 2));
    expect(r).toMatchObject({ finishReason: "stop", stoppedBy: third, usage: { completionTokens: 3 } });
    const viaRequest = await generateText(model, tokenizer, { promptIds: [1, 4], temperature: 0, maxTokens: 10, ignoreEos: true, stopTokenIds: [third] });
    expect(viaRequest.tokenIds).toEqual(base.tokenIds.slice(0, 2));
  });

  it("BOS ends generation by default (llama2.c convention) when logit_bias forces it", async () => {
    const r = await generateText(model, tokenizer, { promptIds: [1, 4], logitBias: { 1: 100 }, maxTokens: 5, seed: 1 });
    expect(r).toMatchObject({ finishReason: "stop", stoppedBy: 1, tokenIds: [], text: "" });
    const on = await generateText(model, tokenizer, { promptIds: [1, 4], logitBias: { 1: 100 }, maxTokens: 5, seed: 1, stopOnBos: false, defaults: { eosTokenIds: [2] } });
    expect(on.finishReason).toBe("length");
  });

  it("the same seed reproduces a sampled continuation", async () => {
    const a = await generateText(model, tokenizer, { prompt: "the", seed: 5, maxTokens: 15, ignoreEos: true });
    const b = await generateText(model, tokenizer, { prompt: "the", seed: 5, maxTokens: 15, ignoreEos: true });
    expect(a.tokenIds).toEqual(b.tokenIds);
  });

  it("an AbortSignal stops generation and frees its pages", async () => {
    const kv = model.createKvCache(32, 4);
    const allocator = new PageAllocator(32);
    const start = allocator.freePages;
    const controller = new AbortController();
    const events: GenerateEvent[] = [];
    for await (const e of generate(model, tokenizer, { promptIds: [1, 3, 4, 5], maxTokens: 100, ignoreEos: true, signal: controller.signal, kv, allocator })) {
      events.push(e);
      if (e.type === "token" && events.length === 3) {
        expect(allocator.freePages).toBeLessThan(start);
        controller.abort();
      }
    }
    expect(events.at(-1)).toMatchObject({ finishReason: "abort", usage: { completionTokens: 3 } });
    expect(allocator.freePages).toBe(start);
  });

  it("an abort from a timer lands between tokens (generation yields to the event loop)", async () => {
    const kv = model.createKvCache(32, 4);
    const allocator = new PageAllocator(32);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1);
    const r = await generateText(model, tokenizer, { promptIds: [1], maxTokens: 127, ignoreEos: true, signal: controller.signal, kv, allocator, temperature: 0 });
    expect(r.finishReason).toBe("abort");
    expect(r.usage.completionTokens).toBeLessThan(127);
    expect(allocator.freePages).toBe(32);
  });

  it("breaking out of the stream frees the pages too", async () => {
    const kv = model.createKvCache(32, 4);
    const allocator = new PageAllocator(32);
    for await (const e of generate(model, tokenizer, { promptIds: [1, 3], maxTokens: 50, ignoreEos: true, kv, allocator })) {
      if (e.type === "token") break;
    }
    expect(allocator.freePages).toBe(32);
  });

  it("finishes with length at the end of the context, or throws when asked to", async () => {
    const prompt = Array.from({ length: 120 }, (_, i) => 3 + (i % 30));
    const r = await generateText(model, tokenizer, { promptIds: prompt, maxTokens: 50, ignoreEos: true, temperature: 0 });
    expect(r).toMatchObject({ finishReason: "length", usage: { promptTokens: 120, completionTokens: 8 } });
    await expect(generateText(model, tokenizer, { promptIds: prompt, maxTokens: 50, contextOverflow: "error" })).rejects.toThrow(ContextOverflowError);
    await expect(generateText(model, tokenizer, { promptIds: [...prompt, ...prompt.slice(0, 8)] })).rejects.toThrow("no room to generate");
  });

  it("reports logprobs and validates sampling parameters before running", async () => {
    const r = await generateText(model, tokenizer, { promptIds: [1], maxTokens: 3, ignoreEos: true, logprobs: true, topLogprobs: 3, seed: 2 });
    expect(r.logprobs).toHaveLength(3);
    for (const lp of r.logprobs!) {
      expect(lp.logprob).toBeLessThanOrEqual(0);
      expect(lp.topLogprobs).toHaveLength(3);
    }
    await expect(generateText(model, tokenizer, { promptIds: [1], topP: 2 })).rejects.toThrow("top_p");
    await expect(generateText(model, tokenizer, { prompt: "" , addBos: false })).rejects.toThrow("empty");
  });
});
