/**
 * The ceiling for any DejaVu predictor: an MLP slot that keeps, for every token, the neurons that
 * truly contribute most (top budget fraction by contribution norm, computed from the dense
 * activations it then discards). Not a serving technique: it computes the dense MLP to decide.
 */
import { SwiGluMlp, type LlamaModel, type MlpModule, type StepContext } from "@sieve/model";
import { denseWeightF32, downColumnNorms, keepCount, topIndices } from "../../packages/activation-sparsity/src/index.js";

class OracleTopKMlp implements MlpModule {
  readonly kind = "oracle-topk-swiglu";
  private readonly keep: number;
  private readonly mask: Uint8Array;
  private readonly picked: Int32Array;
  private readonly contrib: Float32Array;

  constructor(
    private readonly dense: SwiGluMlp,
    budget: number,
    private readonly columnNorms: Float32Array,
  ) {
    const hidden = dense.hiddenDim;
    this.keep = keepCount(budget, hidden);
    this.mask = new Uint8Array(hidden);
    this.picked = new Int32Array(this.keep);
    this.contrib = new Float32Array(hidden);
  }

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const hidden = this.dense.hiddenDim;
    const a = ctx.scratch.floats("oracle.gate", ctx.rows * hidden);
    const u = ctx.scratch.floats("oracle.up", ctx.rows * hidden);
    this.dense.gate.forward(a, x, ctx.rows);
    this.dense.up.forward(u, x, ctx.rows);
    ctx.backend.swiglu(a, a, u);
    for (let t = 0; t < ctx.rows; t++) {
      const row = a.subarray(t * hidden, (t + 1) * hidden);
      for (let j = 0; j < hidden; j++) this.contrib[j] = Math.abs(row[j]!) * this.columnNorms[j]!;
      topIndices(this.contrib, this.keep, this.picked);
      this.mask.fill(0);
      for (const j of this.picked) this.mask[j] = 1;
      for (let j = 0; j < hidden; j++) if (!this.mask[j]) row[j] = 0;
    }
    this.dense.down.forward(out, a, ctx.rows);
  }
}

/** Puts oracle MLPs in every block; returns the function that restores the dense ones. */
export function applyOracleMlp(model: LlamaModel, budget: number): () => void {
  const restores = model.layers.map((_, i) => {
    const slot = model.tree.get<MlpModule>(`layers.${i}.mlp`);
    const dense = slot.get();
    if (!(dense instanceof SwiGluMlp)) throw new TypeError(`oracle: layers.${i}.mlp is not a dense SwiGluMlp`);
    const c = model.config;
    slot.set(new OracleTopKMlp(dense, budget, downColumnNorms(denseWeightF32(dense.down, `layers.${i}.mlp.down_proj`), c.dim, c.hiddenDim)));
    return () => slot.set(dense);
  });
  return () => restores.forEach((r) => r());
}
