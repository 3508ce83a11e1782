import type { LinearLayer } from "@sieve/core";
import type { LlamaModel } from "@sieve/model";
import { GreedySequence } from "./greedy-sequence.js";
import { LayerTimers } from "./layer-timers.js";
import { breakdownOf, OpTimes, timingBackend, type Breakdown } from "./op-profile.js";
import type { SwitchableBackend } from "./switchable-backend.js";
import { nowSeconds } from "./timer.js";

export interface PrefillProfile {
  tokens: number;
  /** Wall time of the profiled prefill. */
  ms: number;
  /** Per category, in ms per prefilled token (and share of the wall time). */
  breakdown: Breakdown;
  /** The linears' (GEMM) arithmetic rate: 2 x weights x tokens / time in linears. */
  linearGflops: number;
  /** Per op: calls and microseconds per call over the whole prefill. */
  ops: Record<string, { calls: number; usPerCall: number }>;
}

/**
 * One prefill of `ids` with every kernel call and every linear timed: how much is GEMM
 * (linears), how much is causal attention (quadratic in the length), and what is left.
 */
export function profilePrefill(model: LlamaModel, backend: SwitchableBackend, ids: readonly number[]): PrefillProfile {
  const plain = backend.current;
  const times = new OpTimes();
  const runner = new GreedySequence(model, ids.length);
  let wall = 0;
  try {
    runner.seq.prefill(ids);
    runner.reset();
    backend.current = timingBackend(plain, model, times);
    wall = new LayerTimers(model, times).around(() => {
      const start = nowSeconds();
      runner.seq.prefill(ids);
      return nowSeconds() - start;
    });
  } finally {
    backend.current = plain;
    runner.release();
  }
  const linearWeights = model.tree.list<LinearLayer>("linear").reduce((n, s) => n + s.get().inFeatures * s.get().outFeatures, 0);
  const linearSeconds = times.byCategory.get("linear") ?? 0;
  const ops: PrefillProfile["ops"] = {};
  for (const [name, { seconds, calls }] of times.byOp) ops[name] = { calls, usPerCall: (seconds / calls) * 1e6 };
  return {
    tokens: ids.length,
    ms: wall * 1000,
    breakdown: breakdownOf(times, wall, ids.length),
    linearGflops: linearSeconds > 0 ? (2 * linearWeights * ids.length) / linearSeconds / 1e9 : 0,
    ops,
  };
}
