/**
 * The concurrency benchmark on a tiny synthetic model, in-process (LocalEngine): the report's
 * shape, counts that add up, ordered percentiles, and prefix-cache hits only with caching on.
 * Timings are never asserted on (the machine is shared); only their consistency is.
 */
import { synthCheckpoint } from "@sieve/model";
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine, EngineEvent, EngineModel, EngineRequest } from "../engine/index.js";
import { loadEngineModel, LocalEngine } from "../engine/index.js";
import type { RequestStream } from "../engine/request-stream.js";
import { profileBatchedDecode } from "./batched-decode-profile.js";
import { buildBenchModel } from "./bench-model.js";
import { runConcurrencyBench, type ConcurrencyReport } from "./concurrency.js";
import { formatBatchedProfiles, formatConcurrency } from "./concurrency-format.js";
import { runClosedLoop } from "./concurrency-loop.js";
import { percentile } from "./percentiles.js";

let loaded: EngineModel;
let report: ConcurrencyReport;
const GEN = 6;
const PROMPT = 5;

beforeAll(async () => {
  loaded = await loadEngineModel("synth:test-tiny");
  const c = loaded.model.config;
  report = await runConcurrencyBench((options) => Promise.resolve(new LocalEngine(loaded, options)), {
    levels: [1, 3, 8],
    promptTokens: PROMPT,
    genTokens: GEN,
    vocabSize: c.vocabSize,
    bosTokenId: c.bosTokenId,
    maxSeqLen: c.maxSeqLen,
    sharedPrefix: { prefixTokens: 48, suffixTokens: 5, genTokens: 3, requests: 8, concurrency: 2 },
    engineKind: "LocalEngine (test)",
  });
});

describe("runConcurrencyBench (synth:test-tiny, LocalEngine)", () => {
  it("reports one run per level with the keys of issue #4, as plain JSON", () => {
    expect(report.runs.map((r) => r.concurrency)).toEqual([1, 3, 8]);
    for (const run of report.runs) {
      for (const key of ["concurrency", "throughput_tok_s", "ttft_ms_p50", "ttft_ms_p99", "itl_ms_p50", "itl_ms_p99"]) expect(run).toHaveProperty(key);
    }
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.concurrency).toMatchObject({ engine: "LocalEngine (test)", prompt_tokens: PROMPT, gen_tokens: GEN, kv_block_size: 16 });
  });

  it("every request generated exactly gen tokens, and the counts add up", () => {
    for (const run of report.runs) {
      expect(run.requests).toBe(Math.max(4, 2 * run.concurrency));
      expect(run.generated_tokens).toBe(run.requests * GEN);
      expect(Math.abs(run.throughput_tok_s - run.generated_tokens / run.wall_s) / run.throughput_tok_s).toBeLessThan(1e-3);
      expect(run.throughput_runs_tok_s).toHaveLength(1);
      // Every request samples GEN tokens: one at the end of its prefill, GEN - 1 decodes.
      expect(run.sampled_tokens_per_step * run.forward_steps).toBeCloseTo(run.generated_tokens, 0);
      expect(run.sampled_tokens_per_step).toBeLessThanOrEqual(run.concurrency);
      expect(run.prefix_hit_tokens).toBe(0);
      expect(run.preemptions).toBe(0);
    }
    expect(report.runs[0]!.scaling).toBe(1);
    expect(report.runs[0]!.sampled_tokens_per_step).toBe(1);
    // Batching happened: with 8 in flight, steps carry several rows.
    expect(report.runs[2]!.sampled_tokens_per_step).toBeGreaterThan(2);
  });

  it("percentiles are ordered and latencies positive", () => {
    for (const run of report.runs) {
      expect(run.ttft_ms_p50).toBeGreaterThan(0);
      expect(run.ttft_ms_p50).toBeLessThanOrEqual(run.ttft_ms_p99);
      expect(run.itl_ms_p50).not.toBeNull();
      expect(run.itl_ms_p50!).toBeLessThanOrEqual(run.itl_ms_p99!);
      expect(run.queue_ms_p50).toBeLessThanOrEqual(run.queue_ms_p99);
    }
  });

  it("sizes the KV pool so the largest level and the shared-prefix workload fit at once", () => {
    // 8 requests x ceil((5 + 6) / 16) = 8 blocks; shared: 2 x ceil((48 + 5 + 3) / 16) = 8 blocks.
    expect(report.concurrency).toMatchObject({ kv_blocks: 8, kv_blocks_per_request: 1, kv_requests_fit: 8, max_seqs: 64 });
    expect(report.concurrency.kv_bytes).toBe(8 * 16 * loaded.model.kvBytesPerToken);
  });

  it("the shared-prefix workload hits the prefix cache with caching on, never with it off", () => {
    const p = report.prefix_cache!;
    expect(p).toMatchObject({ prefix_tokens: 48, suffix_tokens: 5, gen_tokens: 3, requests: 8, concurrency: 2 });
    expect(p.queried_tokens).toBe(8 * 53);
    expect(p.hit_tokens).toBeGreaterThan(0);
    expect(p.hit_tokens % 16).toBe(0);
    // The first wave (2 requests, admitted together) misses; the other 6 take the 3 full prefix blocks.
    expect(p.hit_tokens).toBe(6 * 48);
    expect(p.hit_rate).toBeCloseTo(p.hit_tokens / p.queried_tokens, 4);
    expect(p.hit_rate_off).toBe(0);
    expect(p.hit_tokens_off).toBe(0);
    expect(p.computed_tokens_off - p.computed_tokens_on).toBe(p.hit_tokens);
    // Both TTFTs are rounded to the microsecond in the report, the speedup is not.
    expect(Math.abs(p.speedup_ttft_p50 / (p.ttft_ms_p50_off / p.ttft_ms_p50_on) - 1)).toBeLessThan(0.02);
  });

  it("prints a row per level and the prefix-cache lines", () => {
    const text = formatConcurrency(report);
    expect(text).toMatch(/^\s+1\s+4\s/m);
    expect(text).toMatch(/^\s+8\s+16\s/m);
    expect(text).toContain("cache on  hit rate 67.9% (288/424 tokens)");
    expect(text).toContain("cache off hit rate 0.0%");
    expect(text).toContain("peak RSS");
  });

  it("rejects lengths the model cannot hold, naming the flag", async () => {
    const c = loaded.model.config;
    const start = (): Promise<Engine> => Promise.reject(new Error("must not start"));
    const base = { vocabSize: c.vocabSize, bosTokenId: c.bosTokenId, maxSeqLen: c.maxSeqLen, engineKind: "x" };
    await expect(runConcurrencyBench(start, { ...base, levels: [1], promptTokens: c.maxSeqLen, genTokens: 1 })).rejects.toThrow(/--prompt-tokens/);
    await expect(runConcurrencyBench(start, { ...base, levels: [0], promptTokens: 4, genTokens: 1 })).rejects.toThrow(/--concurrency/);
    await expect(runConcurrencyBench(start, { ...base, levels: [], promptTokens: 4, genTokens: 1 })).rejects.toThrow(/nothing to run/);
  });
});

/** An engine that emits `maxTokens` tokens per request over a few event-loop turns, counting requests in flight. */
class FakeEngine implements Engine {
  readonly info = { source: "fake", format: "fake", backend: "none", vocabSize: 10, maxSeqLen: 100, hasTokenizer: false, kvBlocks: 1, kvBlockSize: 16, kvBytes: 0 };
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly stopAfter?: number) {}

  submit(request: EngineRequest): RequestStream {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const id = request.id!;
    const n = Math.min(request.maxTokens!, this.stopAfter ?? Infinity);
    const done = (): void => {
      this.inFlight--;
    };
    async function* events(): AsyncGenerator<EngineEvent> {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setImmediate(r));
        yield { type: "token", requestId: id, tokenId: 3, text: "" };
      }
      done();
      const usage = { promptTokens: 1, completionTokens: n, cachedPromptTokens: 0, queueTimeMs: 0, preemptions: 0 };
      yield { type: "finish", requestId: id, finishReason: n === request.maxTokens ? "length" : "stop", usage, text: "" };
    }
    return Object.assign(events(), { id, cancel: () => {} });
  }
  cancel(): void {}
  stats(): never {
    throw new Error("unused");
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const fakeRequests = (count: number, maxTokens: number): EngineRequest[] => Array.from({ length: count }, (_, i) => ({ id: `f${i}`, promptIds: [1], maxTokens, temperature: 0, ignoreEos: true }));

describe("runClosedLoop", () => {
  it("keeps exactly `concurrency` requests in flight and times every token", async () => {
    const engine = new FakeEngine();
    const result = await runClosedLoop(engine, fakeRequests(10, 4), 3);
    expect(engine.maxInFlight).toBe(3);
    expect(result.requests.map((r) => r.id)).toEqual(fakeRequests(10, 4).map((r) => r.id));
    for (const r of result.requests) {
      expect(r.tokens).toBe(4);
      expect(r.itlMs).toHaveLength(3);
      expect(r.ttftMs).toBeGreaterThanOrEqual(0);
      expect(r.latencyMs).toBeGreaterThanOrEqual(r.ttftMs);
    }
  });

  it("throws when a request stops before maxTokens (its numbers would be wrong)", async () => {
    await expect(runClosedLoop(new FakeEngine(2), fakeRequests(3, 4), 2)).rejects.toThrow(/ended with "stop" after 2 token events/);
  });
});

describe("percentile", () => {
  it("interpolates between the nearest ranks", () => {
    expect(percentile([2, 1], 50)).toBe(1.5);
    expect(percentile([5], 99)).toBe(5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBeCloseTo(50.5, 10);
    expect(percentile(hundred, 99)).toBeCloseTo(99.01, 10);
    expect(percentile(hundred, 100)).toBe(100);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe("profileBatchedDecode (synth:test-tiny)", () => {
  it("times real batched decode steps at each size and leaves the backend as it was", async () => {
    const target = await buildBenchModel(synthCheckpoint("test-tiny", "f32", 5));
    const plain = target.backend.current;
    const profiles = profileBatchedDecode(target, [1, 3], 4, 6);
    expect(target.backend.current).toBe(plain);
    expect(profiles.map((p) => [p.batch, p.steps])).toEqual([[1, 4], [3, 4]]);
    const c = target.model.config;
    for (const p of profiles) {
      expect(p.forwardMsPerStep + p.engineMsPerStep).toBeCloseTo(p.msPerStep, 6);
      expect(p.msPerStepMin).toBeLessThanOrEqual(p.msPerStepMedian);
      // One linear call per projection per layer plus the LM head, every step, each over all rows at once.
      const linearCalls = (p.ops.matmul?.callsPerStep ?? 0) + (p.ops.gemv?.callsPerStep ?? 0);
      expect(linearCalls).toBe(7 * c.nLayers + 1);
      expect(p.ops.pagedAttention?.callsPerStep).toBe(c.nLayers);
    }
    expect(formatBatchedProfiles(profiles)).toContain("batch   3");
  });
});
