/**
 * The engine in-process on a synthetic model (no assets needed): continuous batching gives each
 * request the tokens it gets alone, under preemption and prefix caching too; bad requests fail
 * alone; cancellation and timeouts free blocks.
 */
import { Rng } from "@sieve/core";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEngineModel, type EngineModel } from "./engine-model.js";
import { collect, type Collected } from "./events.fixture.js";
import { generateBatch } from "./generate-batch.js";
import { LocalEngine } from "./local-engine.js";
import type { EngineOptions, EngineRequest } from "./types.js";

let loaded: EngineModel;
beforeAll(async () => {
  // Reference kernels: rows of a batch are computed independently there (see engine.stories260k.test.ts).
  loaded = await loadEngineModel("synth:test-tiny", { backend: "reference" });
});

function randomRequests(count: number, seed: number, shared: number[] = []): EngineRequest[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    promptIds: [...shared, ...Array.from({ length: 2 + Math.floor(rng.next() * 40) }, () => 3 + Math.floor(rng.next() * 250))],
    maxTokens: 4 + Math.floor(rng.next() * 20),
    temperature: 0,
    ignoreEos: true,
  }));
}

async function alone(requests: EngineRequest[], options: EngineOptions = {}): Promise<Collected[]> {
  const engine = new LocalEngine(loaded, { kvBlocks: 64, ...options });
  const out: Collected[] = [];
  for (const r of requests) out.push(await collect(engine.submit(r)));
  return out;
}

async function together(engine: LocalEngine, requests: EngineRequest[]): Promise<Collected[]> {
  return Promise.all(requests.map((r) => collect(engine.submit(r))));
}

describe("LocalEngine on a synthetic model", () => {
  it("concurrent greedy requests (chunked prefills mixed with decodes) get exactly the tokens each gets alone", async () => {
    const requests = randomRequests(8, 1);
    const single = await alone(requests);
    const engine = new LocalEngine(loaded, { kvBlocks: 64, maxBatchedTokens: 48, maxPrefillChunk: 16 });
    const batched = await together(engine, requests);
    for (let i = 0; i < requests.length; i++) {
      expect(batched[i]!.tokenIds).toEqual(single[i]!.tokenIds);
      expect(batched[i]!.finish).toMatchObject({ finishReason: "length", usage: { completionTokens: requests[i]!.maxTokens } });
    }
    const stats = await engine.stats();
    expect(stats.forwardSteps).toBeLessThan(single.reduce((n, c) => n + c.tokenIds.length, 0));
    expect(stats).toMatchObject({ running: 0, waiting: 0, inFlight: 0, kv: { usedBlocks: 0 } });
  });

  it("seeded sampling is unchanged by batching (each request has its own sampler)", async () => {
    const requests = randomRequests(5, 2).map((r, i) => ({ ...r, temperature: 0.9, topP: 0.95, seed: 100 + i }));
    const single = await alone(requests);
    const batched = await together(new LocalEngine(loaded, { kvBlocks: 64 }), requests);
    expect(batched.map((c) => c.tokenIds)).toEqual(single.map((c) => c.tokenIds));
  });

  it("a KV pool too small for everyone preempts, and preempted requests still finish with identical tokens", async () => {
    const requests = randomRequests(8, 3);
    const single = await alone(requests);
    // 9 blocks of 8 tokens: room for the longest request alone (64 tokens), far from all eight.
    const engine = new LocalEngine(loaded, { kvBlocks: 9, blockSize: 8, maxPrefillChunk: 16 });
    const batched = await together(engine, requests);
    expect(batched.every((c) => c.error === undefined)).toBe(true);
    expect(batched.map((c) => c.tokenIds)).toEqual(single.map((c) => c.tokenIds));
    const stats = await engine.stats();
    expect(stats.totalPreemptions).toBeGreaterThan(0);
    expect(batched.some((c) => c.finish!.usage.preemptions > 0)).toBe(true);
    expect(stats.kv.usedBlocks).toBe(0);
  });

  it("prefix caching reuses a shared prefix's blocks and changes no output", async () => {
    const shared = randomRequests(1, 4)[0]!.promptIds!.concat(randomRequests(1, 5)[0]!.promptIds!).slice(0, 40);
    const requests = randomRequests(6, 6, shared);
    const single = await alone(requests, { enablePrefixCaching: false });
    const engine = new LocalEngine(loaded, { kvBlocks: 64, blockSize: 8 });
    const first = await collect(engine.submit(requests[0]!));
    const rest = await together(engine, requests.slice(1));
    expect([first, ...rest].map((c) => c.tokenIds)).toEqual(single.map((c) => c.tokenIds));
    for (const c of rest) expect(c.finish!.usage.cachedPromptTokens).toBe(40);
    expect((await engine.stats()).prefixCache.hitTokens).toBe(5 * 40);
  });

  it("a bad request fails alone with an invalid_request error naming the parameter; the others are untouched", async () => {
    const good = randomRequests(3, 7);
    const single = await alone(good);
    const engine = new LocalEngine(loaded, { kvBlocks: 6 });
    const bad: EngineRequest[] = [
      { promptIds: [1, 2], topP: 2 },
      { prompt: "text needs a tokenizer" },
      { promptIds: [1, 9999] },
      { promptIds: [1, 2], stop: [""] },
      { promptIds: [1, 2], maxTokens: 0 },
      { promptIds: Array.from({ length: 125 }, () => 5), maxTokens: 8, contextOverflow: "error" }, // maxSeqLen is 128
      { promptIds: [1, 2], priority: Number.NaN },
      { promptIds: Array.from({ length: 100 }, () => 5), maxTokens: 20 }, // more KV than the 6-block pool holds
    ];
    const streams = [...good.slice(0, 2), ...bad, good[2]!].map((r) => engine.submit(r));
    const results = await Promise.all(streams.map(collect));
    const errors = results.slice(2, 2 + bad.length).map((c) => c.error);
    expect(errors.every((e) => e?.code === "invalid_request")).toBe(true);
    expect(errors[0]).toMatchObject({ param: "top_p" });
    expect(errors[1]!.message).toContain("no tokenizer");
    expect(errors[4]).toMatchObject({ param: "max_tokens" });
    expect(errors[5]).toMatchObject({ param: "max_tokens" });
    expect(errors[6]).toMatchObject({ param: "priority" });
    expect(errors[7]!.message).toContain("KV blocks");
    expect([results[0], results[1], results.at(-1)].map((c) => c!.tokenIds)).toEqual(single.map((c) => c.tokenIds));
    // A duplicate id is refused while the first is in flight.
    // ignoreEos: sampled at the default temperature, an early EOS would end it with "stop" (seen flaking).
    const a = engine.submit({ id: "same", promptIds: [1, 2], maxTokens: 3, ignoreEos: true });
    expect((await collect(engine.submit({ id: "same", promptIds: [1, 2] }))).error).toMatchObject({ code: "invalid_request", param: "id" });
    expect((await collect(a)).finish?.finishReason).toBe("length");
  });

  it("cancelling mid-stream (or abandoning the stream) frees the request's blocks at once", async () => {
    const engine = new LocalEngine(loaded, { kvBlocks: 32 });
    const stream = engine.submit({ promptIds: [1, 5, 6, 7], maxTokens: 100, ignoreEos: true, temperature: 0 });
    const events: string[] = [];
    for await (const e of stream) {
      events.push(e.type);
      if (events.length === 5) {
        expect((await engine.stats()).kv.usedBlocks).toBeGreaterThan(0);
        stream.cancel();
      }
    }
    expect(events.at(-1)).toBe("finish");
    expect(await engine.stats()).toMatchObject({ running: 0, waiting: 0, inFlight: 0, kv: { usedBlocks: 0 }, finished: { abort: 1 } });
    const abandoned = engine.submit({ promptIds: [1, 5], maxTokens: 100, ignoreEos: true });
    for await (const e of abandoned) if (e.type === "token") break;
    expect(await engine.stats()).toMatchObject({ running: 0, waiting: 0, kv: { usedBlocks: 0 }, finished: { abort: 2 } });
  });

  it("a request past its timeout finishes with reason timeout and frees its blocks", async () => {
    const engine = new LocalEngine(loaded, { kvBlocks: 32 });
    const r = await collect(engine.submit({ promptIds: [1, 5], maxTokens: 120, ignoreEos: true, timeoutMs: 1 }));
    expect(r.finish).toMatchObject({ finishReason: "timeout" });
    expect(r.tokenIds.length).toBeLessThan(120);
    expect((await engine.stats()).kv.usedBlocks).toBe(0);
  });

  it("generateBatch returns completions in prompt order, failures reported per prompt", async () => {
    const requests = randomRequests(4, 8);
    const single = await alone(requests);
    const engine = new LocalEngine(loaded, { kvBlocks: 64 });
    const out = await generateBatch(engine, [...requests, { promptIds: [1], topK: -1 }], { temperature: 0 });
    expect(out.slice(0, 4).map((c) => c.tokenIds)).toEqual(single.map((c) => c.tokenIds));
    expect(out[4]).toMatchObject({ error: { code: "invalid_request", param: "top_k" } });
    await engine.shutdown();
    expect((await collect(engine.submit({ promptIds: [1] }))).error).toMatchObject({ code: "engine_failed" });
  });

  it("a StreamingLLM KV window (kvWindow) bounds each sequence's blocks; attention skips the released pages", async () => {
    const request: EngineRequest = { id: "long", promptIds: randomRequests(1, 9)[0]!.promptIds!.slice(0, 10), maxTokens: 70, temperature: 0, ignoreEos: true };
    const full = (await alone([request], { blockSize: 4 }))[0]!;
    // A window wider than the sequence releases nothing: the same tokens as keeping everything.
    const wide = (await alone([request], { blockSize: 4, kvWindow: { sinkBlocks: 1, recentBlocks: 64 } }))[0]!;
    expect(wide.tokenIds).toEqual(full.tokenIds);

    const engine = new LocalEngine(loaded, { kvBlocks: 64, blockSize: 4, kvWindow: { sinkBlocks: 1, recentBlocks: 2 }, enablePrefixCaching: false });
    const tokens: number[] = [];
    let peakUsed = 0;
    for await (const e of engine.submit(request)) {
      if (e.type === "token") tokens.push(e.tokenId);
      peakUsed = Math.max(peakUsed, (await engine.stats()).kv.usedBlocks);
      if (e.type === "error") throw new Error(e.message);
    }
    expect(tokens).toHaveLength(70);
    // 1 sink + 2 recent complete blocks + the one being written (+1 while a step fills a block).
    expect(peakUsed).toBeLessThanOrEqual(5);
    // Released pages change what later tokens attend to: the window's output departs from full KV
    // (the tokens before the first release are the same).
    expect(tokens.slice(0, 2)).toEqual(full.tokenIds.slice(0, 2));
    expect(tokens).not.toEqual(full.tokenIds);
    expect((await engine.stats()).kv.usedBlocks).toBe(0);
  });
});
