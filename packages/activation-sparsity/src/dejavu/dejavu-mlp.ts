/**
 * The DejaVu MLP slot: reads the neuron scores an earlier block posted for it (lookahead), keeps
 * the top budget fraction, and runs a neuron-sparse SwiGLU kernel (mlp-kernels.ts) on those
 * neurons only. Steps the runtime keeps dense, budget 1, and a batch union that covers every
 * neuron run the original dense MLP, so they are bit-identical to the model without DejaVu.
 */
import type { MlpModule, StepContext, SwiGluMlp } from "@sieve/model";
import type { MlpKernel } from "./mlp-kernels.js";
import type { DejaVuRuntime } from "./runtime.js";

export class DejaVuMlp implements MlpModule {
  readonly kind = "dejavu-swiglu";

  constructor(
    readonly block: number,
    /** The dense MLP this slot held; the fallback, and what restore() puts back. */
    readonly dense: SwiGluMlp,
    /** Null when this MLP always runs dense (budget 1). */
    readonly kernel: MlpKernel | null,
    private readonly runtime: DejaVuRuntime,
  ) {}

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const rt = this.runtime;
    const hidden = this.dense.hiddenDim;
    if (!this.kernel || !rt.mlpSparse || !rt.sparseStep(ctx.rows)) {
      rt.count("mlp", ctx.rows, hidden, ctx.rows * hidden);
      this.dense.forward(out, x, ctx);
      return;
    }
    const sel = rt.select(this.block, "mlp", ctx);
    if (!sel.perRow && sel.count === hidden) {
      this.dense.forward(out, x, ctx);
      return;
    }
    // The sparse path never materialises all of gate/up or the down input: only these taps fire.
    const dim = this.dense.gate.inFeatures;
    for (const slot of ["gate_proj", "up_proj"]) {
      const point = `${this.dense.path}.${slot}`;
      if (ctx.taps.active(point)) ctx.taps.emit(point, x, ctx.rows, dim);
    }
    const { scratch, backend } = ctx;
    if (sel.perRow) {
      for (let t = 0; t < ctx.rows; t++) {
        this.kernel.run(out.subarray(t * dim, (t + 1) * dim), x.subarray(t * dim, (t + 1) * dim), 1, sel.indices.subarray(t * sel.k, (t + 1) * sel.k), sel.k, scratch, backend);
      }
    } else {
      this.kernel.run(out, x, ctx.rows, sel.indices, sel.count, scratch, backend);
    }
  }
}
