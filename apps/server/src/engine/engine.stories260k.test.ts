/**
 * The engine on a real trained model (stories260K), through the worker thread, on the reference
 * kernels: continuous batching, preemption and prefix caching leave every greedy output exactly
 * as it is alone; cancellation frees blocks; the main thread keeps answering during a long
 * prefill; a bad request fails alone.
 *
 * Why the reference backend: batch invariance needs every row of a batched op to come out
 * bit-identical to the same row computed alone. The reference kernels compute rows
 * independently (one f64 dot product per output, attention per query token); the native ones do
 * not promise that (see batch-invariance.test.ts, which measures them).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveStories260K, STORIES_260K, TINYSTORIES_TEXT } from "./assets.fixture.js";
import { EngineClient } from "./engine-client.js";
import { collect, type Collected } from "./events.fixture.js";
import type { EngineLoadProgress, EngineRequest } from "./types.js";

const available = haveStories260K();

/** 16 different story openings (3 to 64 words), each with its own max tokens. */
function storyRequests(): EngineRequest[] {
  const stories = readFileSync(TINYSTORIES_TEXT, "utf8")
    .split("<|endoftext|>")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return Array.from({ length: 16 }, (_, i) => {
    const words = stories[i]!.split(/\s+/);
    const take = i === 5 || i === 11 ? 64 : 3 + ((i * 7) % 40);
    return { id: `story-${i}`, prompt: words.slice(0, take).join(" "), maxTokens: 8 + ((i * 13) % 60), temperature: 0 };
  });
}

async function sequentially(client: EngineClient, requests: EngineRequest[]): Promise<Collected[]> {
  const out: Collected[] = [];
  for (const r of requests) out.push(await collect(client.submit(r)));
  return out;
}

const concurrently = (client: EngineClient, requests: EngineRequest[]) => Promise.all(requests.map((r) => collect(client.submit(r))));

/** What a comparison needs from a result: the tokens, the text, how it ended. */
const outcome = (c: Collected) => ({ tokenIds: c.tokenIds, text: c.text, finishReason: c.finish?.finishReason, error: c.error });

describe.skipIf(!available)("engine on stories260K (worker thread, reference kernels)", () => {
  const requests = available ? storyRequests() : [];
  let engine: EngineClient;
  let alone: Collected[];
  const progress: EngineLoadProgress[] = [];

  beforeAll(async () => {
    engine = await EngineClient.start(STORIES_260K, {
      backend: "reference",
      kvBlocks: 512,
      enablePrefixCaching: false,
      maxBatchedTokens: 256,
      maxPrefillChunk: 64,
      onProgress: (p) => progress.push(p),
    });
    alone = await sequentially(engine, requests);
  });
  afterAll(async () => {
    await engine?.shutdown();
  });

  it("loads in the worker (reporting progress) and runs real text: prompts tokenized, completions detokenized", () => {
    expect(engine.info).toMatchObject({ format: "llama2c", vocabSize: 512, hasTokenizer: true, backend: "reference" });
    // The worker reported load progress, the end of it included.
    expect(progress.at(-1)).toMatchObject({ phase: "read tensors", done: progress.at(-1)!.total });
    for (const c of alone) expect(c.finish?.finishReason).toMatch(/stop|length/);
    expect(alone.filter((c) => c.tokenIds.length > 0).length).toBeGreaterThan(12);
    expect(alone.map((c) => c.text).join("")).toMatch(/[a-z]{3,}/);
  });

  it("16 concurrent greedy requests (prefill chunks mixed with decodes) give exactly the tokens each gives alone", async () => {
    const together = await concurrently(engine, requests);
    expect(together.map(outcome)).toEqual(alone.map(outcome));
    const stats = await engine.stats();
    expect(stats).toMatchObject({ running: 0, waiting: 0, inFlight: 0, kv: { usedBlocks: 0 } });
  });

  it("the same under preemption forced by a tiny KV pool", async () => {
    const tight = await EngineClient.start(STORIES_260K, { backend: "reference", kvBlocks: 12, enablePrefixCaching: false, maxPrefillChunk: 64 });
    try {
      const together = await concurrently(tight, requests);
      expect(together.map(outcome)).toEqual(alone.map(outcome));
      const stats = await tight.stats();
      expect(stats.totalPreemptions).toBeGreaterThan(0);
      expect(together.filter((c) => c.finish!.usage.preemptions > 0).length).toBeGreaterThan(0);
      expect(stats.kv.usedBlocks).toBe(0);
    } finally {
      await tight.shutdown();
    }
  });

  it("prefix caching reuses the blocks of a shared prefix and still gives identical outputs", async () => {
    const story = requests[5]!.prompt!;
    const shared = requests.slice(0, 6).map((r, i) => ({ ...r, id: `shared-${i}`, prompt: `${story} ${r.prompt}` }));
    const expected = await sequentially(engine, shared);
    const cached = await EngineClient.start(STORIES_260K, { backend: "reference", kvBlocks: 512, maxPrefillChunk: 64 });
    try {
      const first = await collect(cached.submit(shared[0]!));
      const rest = await concurrently(cached, shared.slice(1));
      expect([first, ...rest].map(outcome)).toEqual(expected.map(outcome));
      // The story is ~130 tokens: at least its first 7 full blocks of 16 come from the cache.
      for (const c of rest) expect(c.finish!.usage.cachedPromptTokens).toBeGreaterThanOrEqual(112);
      const stats = await cached.stats();
      expect(stats.prefixCache.hitTokens).toBeGreaterThanOrEqual(5 * 112);
      expect(stats.kv.cachedBlocks).toBeGreaterThan(0);
    } finally {
      await cached.shutdown();
    }
  });

  it("cancelling mid-stream frees the request's blocks (scheduler counters back to zero)", async () => {
    const stream = engine.submit({ prompt: requests[3]!.prompt, maxTokens: 300, ignoreEos: true, temperature: 0 });
    let tokens = 0;
    let last;
    for await (const e of stream) {
      last = e;
      if (e.type === "token" && ++tokens === 10) {
        expect((await engine.stats()).kv.usedBlocks).toBeGreaterThan(0);
        engine.cancel(stream.id);
      }
    }
    expect(last).toMatchObject({ type: "finish", finishReason: "abort" });
    expect(await engine.stats()).toMatchObject({ running: 0, waiting: 0, preempted: 0, inFlight: 0, kv: { usedBlocks: 0 } });
  });

  it("the main thread keeps answering while the worker runs a long prefill", async () => {
    const longPrompt = readFileSync(TINYSTORIES_TEXT, "utf8").split("<|endoftext|>").slice(0, 6).join(" ").slice(0, 800);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    try {
      const stream = engine.submit({ prompt: longPrompt, maxTokens: 1, temperature: 0, id: "long-prefill" });
      let ticksAtFirstEvent = -1;
      for await (const e of stream) {
        if (e.type === "error") throw new Error(e.message);
        if (ticksAtFirstEvent < 0) ticksAtFirstEvent = ticks;
        if (e.type === "finish") expect(e.usage.promptTokens).toBeGreaterThan(300);
      }
      // A 300+ token prefill on the reference kernels takes a good second of worker time; the
      // main thread's timer kept firing all along.
      expect(ticksAtFirstEvent).toBeGreaterThanOrEqual(5);
    } finally {
      clearInterval(timer);
    }
  });

  it("a bad request fails alone; the requests beside it are unaffected", async () => {
    const bad = [
      { prompt: "Once upon", topP: 1.5 },
      { prompt: "Once upon", logitBias: { 100000: 5 } },
      { prompt: "Once upon", stop: ["ok", ""] },
      { prompt: "" , addBos: false },
    ];
    const mixed = [requests[0]!, ...bad, requests[1]!, requests[2]!];
    const results = await concurrently(engine, mixed);
    expect(results.slice(1, 1 + bad.length).map((c) => c.error?.code)).toEqual(bad.map(() => "invalid_request"));
    expect(results[1]!.error!.param).toBe("top_p");
    expect(results[2]!.error!.param).toBe("logit_bias");
    expect([results[0], ...results.slice(1 + bad.length)].map((c) => outcome(c!))).toEqual(alone.slice(0, 3).map(outcome));
  });
});
