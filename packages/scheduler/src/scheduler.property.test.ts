/**
 * Property tests: random arrivals, lengths, priorities, cancellations and deadlines against a
 * fake model over a fake KV pool (see fake-runtime.fixture.ts), with the block accounting
 * checked after every schedule() and update().
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkBlockAccounting, FakeRuntime, referenceOutput } from "./fake-runtime.fixture.js";
import { Scheduler } from "./scheduler.js";
import type { FinishedSequence } from "./step.js";

const VOCAB = 11;
const STOP = 0;

interface RequestPlan {
  arrivalStep: number;
  prefix: number;
  prefixLength: number;
  tail: number[];
  maxNewTokens: number;
  priority: number;
  cancelAfter: number | null;
  timeoutAfter: number | null;
  /** Steps after arrival at which to fork a child (parallel sampling), when the sequence is between tokens. */
  forkAfter: number | null;
}

const SHARED_PREFIXES = [
  [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7],
  [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0],
  [1, 1, 2, 3, 5, 8, 1, 3, 2, 1, 3, 4, 5, 5],
];

const requestPlan: fc.Arbitrary<RequestPlan> = fc.record({
  arrivalStep: fc.integer({ min: 0, max: 15 }),
  prefix: fc.integer({ min: 0, max: SHARED_PREFIXES.length - 1 }),
  prefixLength: fc.integer({ min: 0, max: 14 }),
  tail: fc.array(fc.integer({ min: 1, max: VOCAB - 1 }), { maxLength: 6 }),
  maxNewTokens: fc.integer({ min: 1, max: 10 }),
  priority: fc.integer({ min: 0, max: 2 }),
  cancelAfter: fc.option(fc.integer({ min: 0, max: 12 }), { freq: 4 }),
  timeoutAfter: fc.option(fc.integer({ min: 1, max: 25 }), { freq: 5 }),
  forkAfter: fc.option(fc.integer({ min: 1, max: 10 }), { freq: 3 }),
});

const scenario = fc.record({
  numBlocks: fc.integer({ min: 3, max: 20 }),
  blockSize: fc.integer({ min: 1, max: 4 }),
  maxBatchedTokens: fc.integer({ min: 1, max: 24 }),
  maxSeqs: fc.integer({ min: 1, max: 6 }),
  maxPrefillChunk: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 3 }),
  enablePrefixCaching: fc.boolean(),
  chunkedPrefill: fc.boolean(),
  stopTokens: fc.boolean(),
  requests: fc.array(requestPlan, { minLength: 1, maxLength: 10 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

interface Outcome {
  accepted: Map<string, { plan: RequestPlan; prompt: number[]; arrivedAt: number; order: number }>;
  /** Forked children: the tokens they started from (prompt + output so far) and their prompt length. */
  forks: Map<string, { tokens: number[]; promptLength: number; maxNewTokens: number }>;
  finished: Map<string, FinishedSequence>;
  /** Step index of each request's first admission. */
  admittedAt: Map<string, number>;
  /** Order of first admissions within the whole run. */
  admissionOrder: string[];
  cancelledAt: Map<string, number>;
  preemptions: number;
}

function promptOf(plan: RequestPlan): number[] {
  const p = [...SHARED_PREFIXES[plan.prefix]!.slice(0, plan.prefixLength), ...plan.tail];
  return p.length > 0 ? p : [1];
}

/** Runs a scenario to the end, checking the per-step invariants; returns what happened. */
function run(sc: Scenario): Outcome {
  let now = 0;
  const scheduler = new Scheduler({
    numBlocks: sc.numBlocks,
    blockSize: sc.blockSize,
    maxBatchedTokens: sc.maxBatchedTokens,
    maxSeqs: sc.maxSeqs,
    maxPrefillChunk: sc.maxPrefillChunk ?? undefined,
    enablePrefixCaching: sc.enablePrefixCaching,
    chunkedPrefill: sc.chunkedPrefill,
    // Far beyond the pool, so that only maxNewTokens ends a sequence by length.
    maxModelLen: sc.numBlocks * sc.blockSize + 100,
    now: () => now,
  });
  const runtime = new FakeRuntime(scheduler, VOCAB, sc.stopTokens ? STOP : undefined);
  const out: Outcome = { accepted: new Map(), forks: new Map(), finished: new Map(), admittedAt: new Map(), admissionOrder: [], cancelledAt: new Map(), preemptions: 0 };
  const record = (f: FinishedSequence) => {
    expect(out.finished.has(f.seqId)).toBe(false);
    out.finished.set(f.seqId, f);
  };
  const lastArrival = Math.max(...sc.requests.map((r) => r.arrivalStep));
  for (let step = 0; step <= lastArrival || scheduler.hasUnfinished; step++) {
    if (step > 2000) throw new Error("the scheduler did not drain within 2000 steps");
    now = step;
    sc.requests.forEach((plan, i) => {
      if (plan.arrivalStep !== step) return;
      const id = `r${i}`;
      const prompt = promptOf(plan);
      try {
        scheduler.addRequest({ id, promptTokenIds: prompt, maxNewTokens: plan.maxNewTokens, priority: plan.priority, deadline: plan.timeoutAfter === null ? undefined : step + plan.timeoutAfter });
        out.accepted.set(id, { plan, prompt, arrivedAt: step, order: out.accepted.size });
      } catch (e) {
        // Only requests that could never run may be refused.
        expect(String(e)).toMatch(/KV blocks|chunked prefill is off/);
      }
    });
    for (const [id, r] of out.accepted) {
      if (r.plan.cancelAfter !== null && step === r.arrivedAt + r.plan.cancelAfter && !out.finished.has(id)) {
        const f = scheduler.abort(id);
        if (f) {
          record(f);
          out.cancelledAt.set(id, step);
        }
      }
    }
    for (const [id, r] of out.accepted) {
      const view = scheduler.sequence(id);
      if (r.plan.forkAfter === null || step !== r.arrivedAt + r.plan.forkAfter || !view || view.status !== "running") continue;
      if (view.numComputed < view.promptLength || view.tokenIds.length - view.numComputed !== 1 || scheduler.stats().running >= sc.maxSeqs) continue;
      const childToken = 1 + (step % (VOCAB - 1));
      scheduler.fork(id, `${id}.fork`, childToken);
      out.forks.set(`${id}.fork`, { tokens: [...view.tokenIds.slice(0, -1), childToken], promptLength: view.promptLength, maxNewTokens: r.plan.maxNewTokens });
    }
    checkBlockAccounting(scheduler);
    const s = scheduler.schedule();
    checkBlockAccounting(scheduler);
    expect(s.numBatchedTokens).toBeLessThanOrEqual(sc.maxBatchedTokens);
    expect(s.sequences.length).toBeLessThanOrEqual(sc.maxSeqs);
    expect(s.sequences.reduce((n, q) => n + q.numTokens, 0)).toBe(s.numBatchedTokens);
    expect(new Set(s.sequences.map((q) => q.seqId)).size).toBe(s.sequences.length);
    for (const q of s.sequences) expect(q.numTokens).toBeGreaterThan(0);
    if (sc.maxPrefillChunk !== null && sc.chunkedPrefill) for (const q of s.sequences) expect(q.numTokens).toBeLessThanOrEqual(Math.max(1, sc.maxPrefillChunk));
    out.preemptions += s.preempted.length;
    for (const f of s.finished) record(f);
    for (const q of s.sequences) {
      if (!out.admittedAt.has(q.seqId)) {
        out.admittedAt.set(q.seqId, step);
        out.admissionOrder.push(q.seqId);
      }
    }
    for (const f of scheduler.update(s, runtime.run(s))) record(f);
    checkBlockAccounting(scheduler);
  }
  const stats = scheduler.stats();
  expect(stats).toMatchObject({ running: 0, waiting: 0, preempted: 0, kv: { usedBlocks: 0 } });
  expect(stats.kv.cachedBlocks + stats.kv.freeBlocks).toBe(sc.numBlocks);
  return out;
}

let totalPreemptions = 0;
let totalRuns = 0;
let totalForks = 0;

describe("Scheduler properties", () => {
  it("no leaked or double-owned block, budgets kept, everyone finishes, FCFS within a priority, outputs as if run alone", () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const out = run(sc);
        totalRuns++;
        totalPreemptions += out.preemptions;
        // Every admitted request ended exactly once.
        for (const id of [...out.accepted.keys(), ...out.forks.keys()]) expect(out.finished.has(id), `${id} never finished`).toBe(true);
        const stop = sc.stopTokens ? STOP : undefined;
        for (const [id, f] of out.finished) {
          const child = out.forks.get(id);
          let expected: number[];
          if (child) {
            const before = child.tokens.slice(child.promptLength);
            expected = [...before, ...referenceOutput(child.tokens, child.maxNewTokens - before.length, VOCAB, stop)];
            if (before.length >= child.maxNewTokens) expected = before;
          } else {
            const { plan, prompt } = out.accepted.get(id)!;
            expected = referenceOutput(prompt, plan.maxNewTokens, VOCAB, stop);
          }
          if (f.reason === "length" || f.reason === "stop") {
            // Preempted or not, cached prefix or not: the same tokens as alone.
            expect(f.outputTokenIds, `${id} (${f.preemptions} preemptions)`).toEqual(expected);
            expect(f.reason).toBe(expected.at(-1) === STOP && sc.stopTokens ? "stop" : "length");
          } else {
            expect(["abort", "timeout"]).toContain(f.reason);
            expect(f.outputTokenIds).toEqual(expected.slice(0, f.outputTokenIds.length));
          }
        }
        // FCFS within a priority: nobody is first admitted before an earlier arrival of the same
        // priority that was still waiting (not cancelled or timed out before being admitted).
        totalForks += out.forks.size;
        const position = new Map(out.admissionOrder.map((id, i) => [id, i]));
        for (const [b, rb] of out.accepted) {
          const bAt = position.get(b);
          if (bAt === undefined) continue;
          for (const [a, ra] of out.accepted) {
            if (ra.plan.priority !== rb.plan.priority || ra.order >= rb.order) continue;
            const aAt = position.get(a);
            if (aAt !== undefined) {
              expect(aAt, `${a} arrived before ${b} (same priority) but started after it`).toBeLessThan(bAt);
            } else {
              // a never started: it must have left the queue before b started.
              const left = out.cancelledAt.get(a) ?? ra.arrivedAt + (ra.plan.timeoutAfter ?? Infinity);
              expect(left, `${a} waited while ${b} (same priority, later) started`).toBeLessThanOrEqual(out.admittedAt.get(b)!);
            }
          }
        }
      }),
      { numRuns: 1000, seed: 20240611 },
    );
    // The scenarios are tight enough that preemption really happens.
    expect(totalRuns).toBeGreaterThan(0);
    expect(totalPreemptions).toBeGreaterThan(10);
    expect(totalForks).toBeGreaterThan(10);
  });

  it("under random seeds too (bounded)", () => {
    fc.assert(fc.property(scenario, (sc) => void run(sc)), { numRuns: 300 });
  });
});
