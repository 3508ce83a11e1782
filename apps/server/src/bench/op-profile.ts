import { performance } from "node:perf_hooks";
import { OP_NAMES, type KernelBackend, type LinearLayer, type OpName, type WeightData } from "@sieve/core";
import type { LlamaModel } from "@sieve/model";

/** Where decode time goes, by what the time was spent on. */
export type OpCategory = "linear" | "lm_head" | "attention" | "norm" | "elementwise" | "embedding" | "sampling";

const CATEGORY_OF: Record<OpName, OpCategory> = {
  matmul: "linear",
  gemv: "linear",
  add: "elementwise",
  mul: "elementwise",
  scale: "elementwise",
  silu: "elementwise",
  gelu: "elementwise",
  relu: "elementwise",
  swiglu: "elementwise",
  rmsNorm: "norm",
  layerNorm: "norm",
  rope: "attention",
  pagedKvWrite: "attention",
  pagedAttention: "attention",
  softmax: "sampling",
  logSoftmax: "sampling",
  argmax: "sampling",
  topk: "sampling",
  crossEntropy: "sampling",
  embedding: "embedding",
};

/** Accumulated time and call counts, per category, per op, and per linear projection (q_proj, ...). */
export class OpTimes {
  readonly byCategory = new Map<OpCategory, number>();
  readonly byOp = new Map<string, { seconds: number; calls: number }>();
  readonly byProjection = new Map<string, number>();

  record(category: OpCategory, op: string, seconds: number, projection?: string): void {
    this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + seconds);
    const entry = this.byOp.get(op) ?? { seconds: 0, calls: 0 };
    entry.seconds += seconds;
    entry.calls += 1;
    this.byOp.set(op, entry);
    if (projection) this.byProjection.set(projection, (this.byProjection.get(projection) ?? 0) + seconds);
  }

  get totalSeconds(): number {
    let total = 0;
    for (const s of this.byCategory.values()) total += s;
    return total;
  }
}

/**
 * Wraps a backend so that every op call is timed and attributed: a linear's weight array tells
 * which projection it is (and whether it is the LM head). The wrapper adds two clock reads per
 * call (well under a microsecond), so it is used for a separate profiling pass, never for the
 * headline numbers.
 */
export function timingBackend(inner: KernelBackend, model: LlamaModel, times: OpTimes): KernelBackend {
  const projectionOf = new Map<WeightData, string>();
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const weight = (slot.get() as { weight?: WeightData }).weight;
    if (weight) projectionOf.set(weight, slot.path.slice(slot.path.lastIndexOf(".") + 1));
  }
  const headWeight = (model.lmHead as { weight?: WeightData }).weight;
  const wrapped: Record<string, unknown> = {};
  for (const op of OP_NAMES) {
    const fn = (inner[op] as (...args: unknown[]) => void).bind(inner);
    const category = CATEGORY_OF[op];
    wrapped[op] = (...args: unknown[]): void => {
      const start = performance.now();
      fn(...args);
      const seconds = (performance.now() - start) / 1000;
      if (category === "linear") {
        const weight = args[2] as WeightData;
        if (weight === headWeight) times.record("lm_head", op, seconds);
        else times.record("linear", op, seconds, projectionOf.get(weight) ?? "other");
      } else {
        times.record(category, op, seconds);
      }
    };
  }
  return Object.assign(Object.create(inner) as KernelBackend, wrapped);
}

/** Per category: ms per unit (token) and share of the wall time; "js" is the wall time outside every kernel call. */
export type Breakdown = Array<{ part: OpCategory | "js"; msPerToken: number; percent: number }>;

export function breakdownOf(times: OpTimes, wallSeconds: number, units: number): Breakdown {
  const perUnit = (s: number): number => (s / units) * 1000;
  const rows: Breakdown = [...times.byCategory]
    .sort((a, b) => b[1] - a[1])
    .map(([part, seconds]) => ({ part, msPerToken: perUnit(seconds), percent: (100 * seconds) / wallSeconds }));
  const js = Math.max(0, wallSeconds - times.totalSeconds);
  rows.push({ part: "js", msPerToken: perUnit(js), percent: (100 * js) / wallSeconds });
  return rows;
}
