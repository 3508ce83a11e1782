/**
 * Where a batched decode step's time goes (`sieve bench --concurrency ... --profile`): the engine's
 * own step (EngineCore: schedule -> ragged forward -> sample every row -> events -> update) on the
 * bench's model, with every kernel call and every linear timed. It runs on the calling thread,
 * so the timing backend can wrap the kernels; the headline numbers come from the unprofiled
 * worker runs.
 */
import type { KernelBackend, LinearLayer } from "@sieve/core";
import type { LlamaModel } from "@sieve/model";
import { EngineCore, type EngineModel } from "../engine/index.js";
import type { BenchModel } from "./bench-model.js";
import { fixedLengthRequest, SyntheticPrompts } from "./concurrency-workload.js";
import { LayerTimers } from "./layer-timers.js";
import { breakdownOf, OpTimes, timingBackend, type Breakdown } from "./op-profile.js";
import { percentile } from "./percentiles.js";
import { nowSeconds } from "./timer.js";

export interface BatchedStepProfile {
  /** Decode rows per step. */
  batch: number;
  steps: number;
  /** Mean, fastest and median step. On a shared machine the fastest steps are the least disturbed ones. */
  msPerStep: number;
  msPerStepMin: number;
  msPerStepMedian: number;
  /** batch / mean step time. */
  tokPerS: number;
  /** Time inside model.forward, and the rest of the engine step (scheduling, batch building, sampling each row, events), per step. */
  forwardMsPerStep: number;
  engineMsPerStep: number;
  /** Per category, ms per step (the unit of `msPerToken` here is a step). "js" = outside every kernel call. */
  breakdown: Breakdown;
  /** 2 x batch x (linear + LM head weights) per step / time in those kernels. */
  linearGflops: number;
  /** Per op: ms per step and calls per step. */
  ops: Record<string, { msPerStep: number; callsPerStep: number }>;
}

/** One engine with `batch` sequences decoding, and the clocks of its steps. */
interface ProfiledEngine {
  batch: number;
  core: EngineCore;
  times: OpTimes;
  timed: KernelBackend;
  /** Installed around each of its profiled steps only (the engines share the model's layers). */
  layers: LayerTimers;
  stepMs: number[];
  forwardSeconds: number;
}

/**
 * Profiles `steps` decode steps at each batch size: one EngineCore per size, each with `batch`
 * sequences past a `promptTokens` prefill (prefix caching off, so every row is a real decode).
 * Steps are interleaved across the sizes (1, 4, 16, 1, 4, 16, ...), so a burst of other work on
 * a shared machine is spread over all of them.
 */
export function profileBatchedDecode(target: BenchModel, batches: readonly number[], steps: number, promptTokens: number): BatchedStepProfile[] {
  const { checkpoint, model, backend } = target;
  const c = model.config;
  const prompts = new SyntheticPrompts({ vocabSize: c.vocabSize, bosTokenId: c.bosTokenId });
  const blockSize = 16;
  const maxTokens = steps + 2;
  const engines = batches.map((batch): ProfiledEngine => {
    const times = new OpTimes();
    const entry: ProfiledEngine = { batch, core: undefined as unknown as EngineCore, times, timed: timingBackend(backend.current, model, times), layers: new LayerTimers(model, times), stepMs: [], forwardSeconds: 0 };
    const loaded: EngineModel = { model: timedForward(model, entry), tokenizer: checkpoint.tokenizer, generation: checkpoint.generation, source: checkpoint.source, format: checkpoint.format };
    entry.core = new EngineCore(loaded, { kvBlocks: batch * Math.ceil((promptTokens + maxTokens) / blockSize), blockSize, maxSeqs: batch, enablePrefixCaching: false });
    for (let i = 0; i < batch; i++) entry.core.add(`p${i}`, fixedLengthRequest(`p${i}`, prompts.distinct(promptTokens), maxTokens));
    // Prefill (possibly in chunks) until every sequence sampled its first token, then one plain decode step.
    while (entry.core.stats().sampledTokens < batch) entry.core.step();
    entry.core.step();
    entry.forwardSeconds = 0;
    return entry;
  });

  const plain = backend.current;
  try {
    for (let s = 0; s < steps; s++) {
      for (const e of engines) {
        backend.current = e.timed;
        e.stepMs.push(
          e.layers.around(() => {
            const start = nowSeconds();
            e.core.step();
            return (nowSeconds() - start) * 1000;
          }),
        );
      }
    }
  } finally {
    backend.current = plain;
    for (const e of engines) for (const id of e.core.requestIds) e.core.abort(id);
  }

  let weights = model.lmHead.describe().inFeatures * model.lmHead.describe().outFeatures;
  for (const slot of model.tree.list<LinearLayer>("linear")) weights += slot.get().describe().inFeatures * slot.get().describe().outFeatures;
  return engines.map((e) => {
    const wall = e.stepMs.reduce((a, b) => a + b, 0) / 1000;
    const linearSeconds = (e.times.byCategory.get("linear") ?? 0) + (e.times.byCategory.get("lm_head") ?? 0);
    const ops: BatchedStepProfile["ops"] = {};
    for (const [name, { seconds, calls }] of e.times.byOp) ops[name] = { msPerStep: (seconds / steps) * 1000, callsPerStep: calls / steps };
    return {
      batch: e.batch,
      steps,
      msPerStep: (wall / steps) * 1000,
      msPerStepMin: Math.min(...e.stepMs),
      msPerStepMedian: percentile(e.stepMs, 50),
      tokPerS: (e.batch * steps) / wall,
      forwardMsPerStep: (e.forwardSeconds / steps) * 1000,
      engineMsPerStep: ((wall - e.forwardSeconds) / steps) * 1000,
      breakdown: breakdownOf(e.times, wall, steps),
      linearGflops: linearSeconds > 0 ? (2 * e.batch * weights * steps) / linearSeconds / 1e9 : 0,
      ops,
    };
  });
}

/** The model as the engine sees it, with forward() timed into `clock`; everything else passes through. */
function timedForward(model: LlamaModel, clock: { forwardSeconds: number }): LlamaModel {
  return new Proxy(model, {
    get(t, p) {
      if (p === "forward") {
        return (...args: Parameters<LlamaModel["forward"]>) => {
          const start = nowSeconds();
          try {
            return t.forward(...args);
          } finally {
            clock.forwardSeconds += nowSeconds() - start;
          }
        };
      }
      const v: unknown = Reflect.get(t, p, t);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}
