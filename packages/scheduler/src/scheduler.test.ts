import { describe, expect, it } from "vitest";
import { checkBlockAccounting, FakeRuntime, referenceOutput } from "./fake-runtime.fixture.js";
import { StreamingWindowPolicy } from "./policies/streaming-window.js";
import { Scheduler } from "./scheduler.js";
import type { SchedulerConfig } from "./config.js";
import type { FinishedSequence, SchedulerStep } from "./step.js";

const VOCAB = 50;
const prompt = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => (offset + i * 7) % VOCAB);

/** A scheduler, a fake runtime on it, and a loop that runs steps and collects what ended. */
function harness(config: SchedulerConfig) {
  let clock = 0;
  const scheduler = new Scheduler({ now: () => clock, ...config });
  const runtime = new FakeRuntime(scheduler, VOCAB);
  const finished = new Map<string, FinishedSequence>();
  const steps: SchedulerStep[] = [];
  const step = (): SchedulerStep => {
    const s = scheduler.schedule();
    steps.push(s);
    for (const f of s.finished) finished.set(f.seqId, f);
    for (const f of scheduler.update(s, runtime.run(s))) finished.set(f.seqId, f);
    checkBlockAccounting(scheduler);
    clock += 1;
    return s;
  };
  const runToEnd = (limit = 10_000): void => {
    for (let i = 0; scheduler.hasUnfinished; i++) {
      if (i >= limit) throw new Error("scheduler did not drain");
      step();
    }
  };
  return { scheduler, runtime, finished, steps, step, runToEnd, tick: (ms: number) => (clock += ms) };
}

describe("Scheduler: continuous batching", () => {
  it("mixes decodes and prefill chunks in one step, decodes first, within the token budget", () => {
    const h = harness({ numBlocks: 32, blockSize: 4, maxBatchedTokens: 8 });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(3), maxNewTokens: 4 });
    h.scheduler.addRequest({ id: "b", promptTokenIds: prompt(12, 1), maxNewTokens: 2 });
    const s1 = h.step();
    expect(s1.sequences.map((s) => [s.seqId, s.phase, s.numTokens, s.startPosition, s.needsLogits])).toEqual([
      ["a", "prefill", 3, 0, true],
      ["b", "prefill", 5, 0, false],
    ]);
    const s2 = h.step();
    expect(s2.sequences.map((s) => [s.seqId, s.phase, s.numTokens, s.startPosition, s.needsLogits])).toEqual([
      ["a", "decode", 1, 3, true],
      ["b", "prefill", 7, 5, true],
    ]);
    expect(s2.sequences[1]!.tokenIds).toEqual(prompt(12, 1).slice(5));
    for (const s of h.steps) expect(s.numBatchedTokens).toBeLessThanOrEqual(8);
    h.runToEnd();
    expect(h.finished.get("a")).toMatchObject({ reason: "length", outputTokenIds: referenceOutput(prompt(3), 4, VOCAB) });
    expect(h.finished.get("b")).toMatchObject({ reason: "length", outputTokenIds: referenceOutput(prompt(12, 1), 2, VOCAB) });
    expect(h.scheduler.stats()).toMatchObject({ running: 0, waiting: 0, kv: { usedBlocks: 0 } });
  });

  it("caps running sequences at maxSeqs; the next one starts when one finishes", () => {
    const h = harness({ numBlocks: 32, blockSize: 4, maxSeqs: 2 });
    for (const id of ["a", "b", "c"]) h.scheduler.addRequest({ id, promptTokenIds: prompt(2), maxNewTokens: id === "a" ? 1 : 5 });
    expect(h.step().sequences.map((s) => s.seqId)).toEqual(["a", "b"]);
    expect(h.scheduler.stats()).toMatchObject({ running: 1, waiting: 1 });
    expect(h.step().sequences.map((s) => s.seqId)).toEqual(["b", "c"]);
  });

  it("serves lower priority numbers first and FCFS within a priority", () => {
    const h = harness({ numBlocks: 32, blockSize: 4, maxSeqs: 1 });
    h.scheduler.addRequest({ id: "late-low", promptTokenIds: prompt(2), maxNewTokens: 1, priority: 5 });
    h.scheduler.addRequest({ id: "first-mid", promptTokenIds: prompt(2), maxNewTokens: 1, priority: 1 });
    h.scheduler.addRequest({ id: "urgent", promptTokenIds: prompt(2), maxNewTokens: 1, priority: 0 });
    h.scheduler.addRequest({ id: "second-mid", promptTokenIds: prompt(2), maxNewTokens: 1, priority: 1 });
    h.runToEnd();
    expect(h.steps.map((s) => s.sequences[0]?.seqId)).toEqual(["urgent", "first-mid", "second-mid", "late-low"]);
  });

  it("without chunked prefill a prompt waits until it fits whole into a step", () => {
    const h = harness({ numBlocks: 32, blockSize: 4, maxBatchedTokens: 10, chunkedPrefill: false });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(6), maxNewTokens: 3 });
    h.scheduler.addRequest({ id: "b", promptTokenIds: prompt(8, 3), maxNewTokens: 3 });
    expect(h.step().sequences.map((s) => [s.seqId, s.numTokens])).toEqual([["a", 6]]);
    expect(h.step().sequences.map((s) => [s.seqId, s.numTokens])).toEqual([["a", 1], ["b", 8]]);
    expect(() => h.scheduler.addRequest({ id: "c", promptTokenIds: prompt(11), maxNewTokens: 1 })).toThrow("chunked prefill is off");
  });

  it("rejects requests it could never serve, naming the problem", () => {
    const s = new Scheduler({ numBlocks: 4, blockSize: 4, maxModelLen: 32 });
    expect(() => s.addRequest({ id: "x", promptTokenIds: [], maxNewTokens: 1 })).toThrow("empty");
    expect(() => s.addRequest({ id: "x", promptTokenIds: [1], maxNewTokens: 0 })).toThrow("maxNewTokens");
    expect(() => s.addRequest({ id: "x", promptTokenIds: prompt(10), maxNewTokens: 10 })).toThrow("need 5 KV blocks, but the pool has 4");
    expect(() => s.addRequest({ id: "x", promptTokenIds: prompt(32), maxNewTokens: 1 })).toThrow("at most 32");
    s.addRequest({ id: "x", promptTokenIds: prompt(10), maxNewTokens: 7 });
    expect(() => s.addRequest({ id: "x", promptTokenIds: [1], maxNewTokens: 1 })).toThrow("already queued");
    expect(() => s.schedule() && s.schedule()).toThrow("has not been reported");
  });

  it("finishes with length at maxModelLen even below maxNewTokens", () => {
    const h = harness({ numBlocks: 8, blockSize: 4, maxModelLen: 10 });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(6), maxNewTokens: 100 });
    h.runToEnd();
    expect(h.finished.get("a")).toMatchObject({ reason: "length", outputTokenIds: referenceOutput(prompt(6), 4, VOCAB) });
  });
});

describe("Scheduler: preemption by recompute", () => {
  it("preempts the youngest sequence when blocks run out; it recomputes prompt + output and finishes with the same tokens", () => {
    const h = harness({ numBlocks: 6, blockSize: 2, enablePrefixCaching: false });
    h.scheduler.addRequest({ id: "old", promptTokenIds: prompt(3), maxNewTokens: 7 });
    h.scheduler.addRequest({ id: "young", promptTokenIds: prompt(3, 5), maxNewTokens: 7 });
    h.runToEnd();
    const preemptStep = h.steps.find((s) => s.preempted.length > 0)!;
    expect(preemptStep.preempted).toEqual(["young"]);
    // The recompute runs the prompt and the tokens generated before the preemption.
    const young = h.finished.get("young")!;
    const recompute = h.steps.slice(h.steps.indexOf(preemptStep) + 1).flatMap((s) => s.sequences).find((s) => s.seqId === "young")!;
    expect(recompute.startPosition).toBe(0);
    expect(recompute.tokenIds.length).toBeGreaterThan(3);
    expect(recompute.tokenIds).toEqual([...prompt(3, 5), ...young.outputTokenIds].slice(0, recompute.tokenIds.length));
    expect(young.preemptions).toBeGreaterThan(0);
    expect(h.finished.get("old")!.outputTokenIds).toEqual(referenceOutput(prompt(3), 7, VOCAB));
    expect(young.outputTokenIds).toEqual(referenceOutput(prompt(3, 5), 7, VOCAB));
    expect(h.scheduler.stats().totalPreemptions).toBeGreaterThan(0);
  });

  it("preempts a lower-priority sequence before a younger higher-priority one", () => {
    const h = harness({ numBlocks: 6, blockSize: 2, enablePrefixCaching: false });
    h.scheduler.addRequest({ id: "low", promptTokenIds: prompt(3), maxNewTokens: 7, priority: 2 });
    h.scheduler.addRequest({ id: "high", promptTokenIds: prompt(3, 5), maxNewTokens: 7, priority: 0 });
    h.runToEnd();
    expect(h.steps.flatMap((s) => s.preempted)[0]).toBe("low");
    expect(h.finished.get("low")!.outputTokenIds).toEqual(referenceOutput(prompt(3), 7, VOCAB));
  });

  it("counts preempted sequences while they wait", () => {
    const h = harness({ numBlocks: 4, blockSize: 2, enablePrefixCaching: false });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(2), maxNewTokens: 6 });
    h.scheduler.addRequest({ id: "b", promptTokenIds: prompt(2, 9), maxNewTokens: 6 });
    let sawPreempted = false;
    while (h.scheduler.hasUnfinished) {
      h.step();
      if (h.scheduler.stats().preempted > 0) sawPreempted = true;
    }
    expect(sawPreempted).toBe(true);
  });
});

describe("Scheduler: cancellation and deadlines", () => {
  it("abort frees a running sequence's blocks at once and a waiting one leaves the queue", () => {
    const h = harness({ numBlocks: 16, blockSize: 4, maxSeqs: 1 });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(9), maxNewTokens: 20 });
    h.scheduler.addRequest({ id: "b", promptTokenIds: prompt(3), maxNewTokens: 20 });
    h.step();
    h.step();
    expect(h.scheduler.stats().kv.usedBlocks).toBe(3);
    expect(h.scheduler.abort("a")).toMatchObject({ seqId: "a", reason: "abort", outputTokenIds: referenceOutput(prompt(9), 2, VOCAB) });
    expect(h.scheduler.abort("b")).toMatchObject({ reason: "abort", outputTokenIds: [] });
    expect(h.scheduler.abort("b")).toBeUndefined();
    expect(h.scheduler.stats()).toMatchObject({ running: 0, waiting: 0, kv: { usedBlocks: 0 }, finished: { abort: 2 } });
    checkBlockAccounting(h.scheduler);
  });

  it("an abort between schedule() and update() is tolerated (the step's results for it are dropped)", () => {
    const h = harness({ numBlocks: 16, blockSize: 4 });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(5), maxNewTokens: 5 });
    h.scheduler.addRequest({ id: "b", promptTokenIds: prompt(5, 2), maxNewTokens: 5 });
    const s = h.scheduler.schedule();
    const results = h.runtime.run(s);
    h.scheduler.abort("a");
    h.scheduler.update(s, results);
    checkBlockAccounting(h.scheduler);
    h.runToEnd();
    expect(h.finished.get("b")!.outputTokenIds).toEqual(referenceOutput(prompt(5, 2), 5, VOCAB));
  });

  it("finishes requests past their deadline with timeout, waiting or running", () => {
    const h = harness({ numBlocks: 16, blockSize: 4, maxSeqs: 1 });
    h.scheduler.addRequest({ id: "run", promptTokenIds: prompt(2), maxNewTokens: 50, deadline: 3 });
    h.scheduler.addRequest({ id: "wait", promptTokenIds: prompt(2), maxNewTokens: 50, deadline: 2 });
    h.runToEnd();
    expect(h.finished.get("wait")).toMatchObject({ reason: "timeout", outputTokenIds: [] });
    expect(h.finished.get("run")).toMatchObject({ reason: "timeout", outputTokenIds: referenceOutput(prompt(2), 3, VOCAB) });
    expect(h.scheduler.stats().finished.timeout).toBe(2);
  });

  it("adds up queue time over requests", () => {
    const h = harness({ numBlocks: 16, blockSize: 4, maxSeqs: 1 });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(2), maxNewTokens: 2 });
    h.scheduler.addRequest({ id: "b", promptTokenIds: prompt(2), maxNewTokens: 2 });
    h.runToEnd();
    // b waited while a ran its two steps.
    expect(h.finished.get("b")!.queueTimeMs).toBe(2);
    expect(h.scheduler.stats().totalQueueTimeMs).toBe(2);
  });
});

describe("Scheduler: prefix caching", () => {
  it("a second request with the same prefix reuses its full blocks (counted in tokens) and generates the same tokens", () => {
    const h = harness({ numBlocks: 32, blockSize: 4 });
    const shared = prompt(10);
    h.scheduler.addRequest({ id: "a", promptTokenIds: [...shared, 1], maxNewTokens: 3 });
    h.runToEnd();
    h.scheduler.addRequest({ id: "b", promptTokenIds: [...shared, 2], maxNewTokens: 3 });
    const first = h.step().sequences[0]!;
    expect(first.startPosition).toBe(8);
    h.runToEnd();
    expect(h.finished.get("b")).toMatchObject({ cachedPromptTokens: 8, outputTokenIds: referenceOutput([...shared, 2], 3, VOCAB) });
    expect(h.scheduler.stats().prefixCache).toMatchObject({ queriedTokens: 22, hitTokens: 8 });
  });

  it("always computes at least the last token, so a fully cached prompt still yields logits", () => {
    const h = harness({ numBlocks: 32, blockSize: 4 });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(8), maxNewTokens: 2 });
    h.runToEnd();
    h.scheduler.addRequest({ id: "b", promptTokenIds: prompt(8), maxNewTokens: 2 });
    const first = h.step().sequences[0]!;
    expect([first.startPosition, first.numTokens, first.needsLogits]).toEqual([4, 4, true]);
    h.runToEnd();
    expect(h.finished.get("b")!.outputTokenIds).toEqual(h.finished.get("a")!.outputTokenIds);
  });

  it("shares blocks between concurrent requests and evicts idle cached blocks only when free ones run out", () => {
    const h = harness({ numBlocks: 8, blockSize: 4 });
    h.scheduler.addRequest({ id: "a", promptTokenIds: prompt(9), maxNewTokens: 1 });
    h.runToEnd();
    expect(h.scheduler.stats().kv).toMatchObject({ usedBlocks: 0, cachedBlocks: 2, freeBlocks: 6 });
    h.scheduler.addRequest({ id: "big", promptTokenIds: prompt(20, 3), maxNewTokens: 8 });
    h.runToEnd();
    expect(h.scheduler.stats().prefixCache.evictedBlocks).toBeGreaterThan(0);
    expect(h.finished.get("big")!.outputTokenIds).toEqual(referenceOutput(prompt(20, 3), 8, VOCAB));
  });
});

describe("Scheduler: copy-on-write and release hooks", () => {
  it("a forked sequence shares the parent's blocks; the first write into the shared partial block is a listed copy", () => {
    const h = harness({ numBlocks: 16, blockSize: 4 });
    h.scheduler.addRequest({ id: "p", promptTokenIds: prompt(6), maxNewTokens: 5 });
    h.step();
    h.scheduler.fork("p", "c", 17);
    checkBlockAccounting(h.scheduler);
    const s = h.step();
    expect(s.copies).toHaveLength(1);
    const [p, c] = s.sequences;
    expect(p!.blockTable[0]).toBe(c!.blockTable[0]);
    expect(p!.blockTable[1]).not.toBe(c!.blockTable[1]);
    expect([p!.blockTable[1], c!.blockTable[1]]).toContain(s.copies[0]!.dst);
    h.runToEnd();
    const parentOut = referenceOutput(prompt(6), 5, VOCAB);
    expect(h.finished.get("p")!.outputTokenIds).toEqual(parentOut);
    expect(h.finished.get("c")!.outputTokenIds).toEqual([17, ...referenceOutput([...prompt(6), 17], 4, VOCAB)]);
  });

  it("a StreamingLLM window policy keeps the first and last blocks, leaving holes in the table", () => {
    const h = harness({ numBlocks: 10, blockSize: 2, releasePolicy: new StreamingWindowPolicy({ sinkBlocks: 1, recentBlocks: 2 }), enablePrefixCaching: false });
    // 17 tokens of KV would take 9 blocks without the policy.
    h.scheduler.addRequest({ id: "long", promptTokenIds: prompt(4), maxNewTokens: 14 });
    let maxUsed = 0;
    while (h.scheduler.hasUnfinished) {
      const s = h.step();
      maxUsed = Math.max(maxUsed, h.scheduler.stats().kv.usedBlocks);
      const row = s.sequences[0]?.blockTable ?? [];
      if (row.length > 4) expect(row.slice(1, row.length - 3).every((b) => b === -1)).toBe(true);
    }
    expect(maxUsed).toBeLessThanOrEqual(4);
    expect(h.finished.get("long")!.outputTokenIds).toHaveLength(14);
    expect(() => h.scheduler.releaseBlocks("long", [0])).toThrow("not running");
  });
});
