/**
 * Times whole layers during a profiling pass, so that linears that never call the backend's
 * gemv/matmul (TEAL, pruned N:M and CSR layers: their own native kernels) count as linears
 * rather than as "js". Every linear slot and the LM head is timed, whatever its implementation,
 * under its projection (q_proj, ...) with op "linear:<kind>" / "lm_head:<kind>" (describe().kind).
 *
 * Modules that replace the model's own MLP or attention run sparse kernels instead of their
 * linear slots, so those are timed too, under category "linear":
 * - DejaVu: its sparse kernels (the MLP's fused kernel as projection "mlp"; the head-subset query
 *   and output projections as q_proj and o_proj), not the module, whose predictor and selection
 *   code stays "js" (the predictors' gemv, topk, ... are kernel calls with their own rows).
 * - Any other (CATS): the module's forward as projection "mlp" / "attn", op "mlp:<kind>", counting
 *   only what nothing inside it counted already (its gate_proj, silu, ... keep their own rows).
 *
 * The objects' methods are patched, not the tree's slots: CatsMlp and the DejaVu modules hold
 * their layers directly (the old SwiGluMlp / PagedAttention still owns the slots), so only
 * patching the objects themselves reaches every call. install() / restore() are a few property
 * writes; the wrappers and names are built once.
 */
import { performance } from "node:perf_hooks";
import type { LinearLayer } from "@sieve/core";
import { DejaVuAttention, DejaVuMlp } from "@sieve/activation-sparsity";
import { PagedAttention, SwiGluMlp, type LlamaModel } from "@sieve/model";
import type { OpCategory, OpTimes, Tallies } from "./op-profile.js";

type Method = (...args: unknown[]) => unknown;
type Target = Record<string, Method>;

interface Timed {
  target: Target;
  key: string;
  wrapper: Method;
  /** The target's own property before install(), if it had one (else the prototype's method ran). */
  own?: { value: Method };
}

/** Where a timed call's time goes. `owning`: a linear, which takes the time of every kernel it calls. */
interface Attribution {
  category: OpCategory;
  op: string;
  projection?: string;
  owning: boolean;
}

export class LayerTimers {
  private readonly timed: Timed[] = [];
  private installed = false;

  constructor(
    model: LlamaModel,
    private readonly times: OpTimes,
  ) {
    for (const slot of model.tree.list<LinearLayer>("linear")) {
      const projection = slot.path.slice(slot.path.lastIndexOf(".") + 1);
      this.add(slot.get(), "forward", { category: "linear", op: `linear:${slot.get().describe().kind}`, projection, owning: true });
    }
    this.add(model.lmHead, "forward", { category: "lm_head", op: `lm_head:${model.lmHead.describe().kind}`, owning: true });
    // The model's own modules are their linears plus kernel calls, all timed already.
    for (const { mlp, attn } of model.layers) {
      if (mlp instanceof DejaVuMlp) {
        if (mlp.kernel) this.add(mlp.kernel, "run", { category: "linear", op: `mlp:${mlp.kind}`, projection: "mlp", owning: true });
      } else if (!(mlp instanceof SwiGluMlp)) {
        this.add(mlp, "forward", { category: "linear", op: `mlp:${mlp.kind}`, projection: "mlp", owning: false });
      }
      if (attn instanceof DejaVuAttention) {
        if (attn.kernel) {
          this.add(attn.kernel, "query", { category: "linear", op: "linear:dejavu-heads", projection: "q_proj", owning: true });
          this.add(attn.kernel, "output", { category: "linear", op: "linear:dejavu-heads", projection: "o_proj", owning: true });
        }
      } else if (!(attn instanceof PagedAttention)) {
        this.add(attn, "forward", { category: "linear", op: `attn:${attn.kind}`, projection: "attn", owning: false });
      }
    }
  }

  install(): void {
    if (this.installed) throw new Error("LayerTimers: already installed");
    for (const t of this.timed) {
      if (Object.hasOwn(t.target, t.key)) t.own = { value: t.target[t.key]! };
      else delete t.own;
      t.target[t.key] = t.wrapper;
    }
    this.installed = true;
  }

  /** Puts every method back exactly: the own property it was, or none (the prototype's method). */
  restore(): void {
    if (!this.installed) return;
    for (const t of this.timed) {
      // Deleting the property added last returns V8 to the object's previous (fast) shape.
      if (t.own) t.target[t.key] = t.own.value;
      else delete t.target[t.key];
    }
    this.installed = false;
  }

  /** Runs fn with the timers installed, restoring every method even when it throws. */
  around<T>(fn: () => T): T {
    this.install();
    try {
      return fn();
    } finally {
      this.restore();
    }
  }

  private add(object: object, key: string, to: Attribution): void {
    const target = object as Target;
    const method = target[key]!;
    // Once per object and method (a layer could sit in two slots).
    if (this.timed.some((t) => t.target === target && t.key === key)) return;
    this.timed.push({ target, key, wrapper: timedCall(target, method, this.times, to) });
  }
}

/**
 * One timed method. Its own time is its wall time less what was attributed inside it
 * (clock.nested: inner timed layers, and for non-owning modules, kernel calls). An owning call (a
 * linear) raises clock.owned, so the kernels it calls add to their op rows only.
 */
function timedCall(target: object, method: Method, times: OpTimes, to: Attribution): Method {
  const { category, op, projection, owning } = to;
  const clock = times.clock;
  let tally: Tallies | undefined;
  return (...args) => {
    const outer = clock.nested;
    clock.nested = 0;
    if (owning) clock.owned++;
    const start = performance.now();
    try {
      return method.apply(target, args);
    } finally {
      const seconds = (performance.now() - start) / 1000;
      if (owning) clock.owned--;
      // Resolved at the first call, so a layer that never runs (CATS's up/down) shows no row.
      (tally ??= times.tallies(category, op, projection)).add(seconds - clock.nested);
      clock.nested = outer + seconds;
    }
  };
}
