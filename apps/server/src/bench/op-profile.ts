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

/** Seconds and calls accumulated under one name. */
interface Tally {
  seconds: number;
  calls: number;
}

/** What one timed call adds to (resolved once; see OpTimes.tallies). */
export interface Tallies {
  add(seconds: number): void;
}

/**
 * The timed layer calls in progress (see layer-timers.ts), shared with timingBackend so that no
 * time is counted twice. `owned` > 0: inside a linear's forward, whose time the linear takes, so
 * kernel calls there add to their op row only. `nested`: seconds already attributed inside the
 * innermost timed layer call (kernel calls, inner layers), which that layer leaves out of its own.
 */
export interface LayerClock {
  owned: number;
  nested: number;
}

/** Accumulated time and call counts, per category, per op, and per linear projection (q_proj, ...). */
export class OpTimes {
  private readonly categories = new Map<OpCategory, Tally>();
  private readonly ops = new Map<string, Tally>();
  private readonly projections = new Map<string, Tally>();
  readonly clock: LayerClock = { owned: 0, nested: 0 };

  record(category: OpCategory, op: string, seconds: number, projection?: string): void {
    this.tallies(category, op, projection).add(seconds);
  }

  /**
   * The tallies one kind of call adds to, resolved once so that timingBackend's per-call work is
   * a few additions (a Map update per call would be profiler overhead counted as "js"). Without a
   * category, only the op row: a kernel call whose time a timed layer already counts.
   */
  tallies(category: OpCategory | undefined, op: string, projection?: string): Tallies {
    const c = category === undefined ? undefined : tallyOf(this.categories, category);
    const o = tallyOf(this.ops, op);
    const p = projection === undefined ? undefined : tallyOf(this.projections, projection);
    return {
      add(seconds: number): void {
        if (c) {
          c.seconds += seconds;
          c.calls += 1;
        }
        o.seconds += seconds;
        o.calls += 1;
        if (p) {
          p.seconds += seconds;
          p.calls += 1;
        }
      },
    };
  }

  get byCategory(): Map<OpCategory, number> {
    return new Map([...this.categories].map(([k, t]) => [k, t.seconds]));
  }

  get byOp(): Map<string, { seconds: number; calls: number }> {
    return new Map([...this.ops].map(([k, t]) => [k, { seconds: t.seconds, calls: t.calls }]));
  }

  get byProjection(): Map<string, number> {
    return new Map([...this.projections].map(([k, t]) => [k, t.seconds]));
  }

  get totalSeconds(): number {
    let total = 0;
    for (const t of this.categories.values()) total += t.seconds;
    return total;
  }
}

function tallyOf<K>(map: Map<K, Tally>, key: K): Tally {
  let t = map.get(key);
  if (t === undefined) {
    t = { seconds: 0, calls: 0 };
    map.set(key, t);
  }
  return t;
}

/**
 * Wraps a backend so that every op call is timed and attributed: a linear's weight array tells
 * which projection it is (and whether it is the LM head). The wrapper's own work per call is two
 * clock reads and a few additions into tallies resolved beforehand (an op's first call, or a
 * linear's first call on each weight, sets them up), so that little of the wrapper lands in
 * "js". It is still used for a separate profiling pass, never for the headline numbers.
 *
 * With LayerTimers installed on the same OpTimes, a call made inside a linear's forward adds to
 * its op row only (the linear takes the time, whatever kernels it runs); any other call also
 * tells an enclosing timed module (a CATS MLP) to leave its time out of the module's own.
 */
export function timingBackend(inner: KernelBackend, model: LlamaModel, times: OpTimes): KernelBackend {
  const projectionOf = new Map<WeightData, string>();
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const weight = (slot.get() as { weight?: WeightData }).weight;
    if (weight) projectionOf.set(weight, slot.path.slice(slot.path.lastIndexOf(".") + 1));
  }
  const headWeight = (model.lmHead as { weight?: WeightData }).weight;
  const clock = times.clock;
  const wrapped: Record<string, unknown> = {};
  for (const op of OP_NAMES) {
    const fn = inner[op] as (...args: unknown[]) => void;
    const category = CATEGORY_OF[op];
    let owned: Tallies | undefined;
    let tally: Tallies | undefined;
    // Where a call's time goes outside any timed linear: a linear op by the weight it read (its
    // projection, or the LM head), any other op under its category.
    let pick: (args: unknown[]) => Tallies = () => (tally ??= times.tallies(category, op));
    if (category === "linear") {
      const byWeight = new Map<WeightData, Tallies>();
      pick = (args) => {
        const weight = args[2] as WeightData;
        let t = byWeight.get(weight);
        if (t === undefined) {
          t = weight === headWeight ? times.tallies("lm_head", op) : times.tallies("linear", op, projectionOf.get(weight) ?? "other");
          byWeight.set(weight, t);
        }
        return t;
      };
    }
    wrapped[op] = (...args: unknown[]): void => {
      const start = performance.now();
      fn.apply(inner, args);
      const seconds = (performance.now() - start) / 1000;
      if (clock.owned > 0) {
        (owned ??= times.tallies(undefined, op)).add(seconds);
        return;
      }
      pick(args).add(seconds);
      clock.nested += seconds;
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
