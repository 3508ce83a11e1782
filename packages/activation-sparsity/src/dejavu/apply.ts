/**
 * applyDejaVu: swaps every block's attention and MLP slot for its DejaVu counterpart, all sharing
 * one runtime (options, lookahead board, statistics). restore() puts the original modules back.
 */
import { DenseLinear } from "@sieve/core";
import { PagedAttention, SwiGluMlp, type AttentionModule, type LlamaModel, type MlpModule } from "@sieve/model";
import { DejaVuAttention } from "./dejavu-attention.js";
import { DejaVuMlp } from "./dejavu-mlp.js";
import { denseBias, denseWeightF32, transposeF32 } from "./dense-weights.js";
import type { HeadProjectionWeights } from "./head-projections.js";
import { checkPredictorsFit, type DejaVuPredictors } from "./predictors.js";
import { DejaVuRuntime, type DejaVuOptions, type DejaVuStats } from "./runtime.js";
import type { SparseSwiGluWeights } from "./sparse-swiglu.js";

/** The kernel the sparse modules run; named so that logs and `sieve inspect` can show it. */
export const DEJAVU_KERNEL = "typescript:neuron-sparse-swiglu+head-subset-qo";

export interface DejaVuHandle {
  readonly runtime: DejaVuRuntime;
  readonly stats: DejaVuStats;
  /** Bytes of weight copies DejaVu holds (W_down transposed, widened half-precision weights). */
  readonly extraBytes: number;
  /** One line: budgets, policy, kernel. */
  describe(): string;
  /** Puts the dense modules back. */
  restore(): void;
}

export function applyDejaVu(model: LlamaModel, predictors: DejaVuPredictors, options: DejaVuOptions = {}): DejaVuHandle {
  checkPredictorsFit(model, predictors);
  const runtime = new DejaVuRuntime(predictors, options);
  const restores: Array<() => void> = [];
  let extraBytes = 0;

  for (let block = 0; block < model.layers.length; block++) {
    const attnSlot = model.tree.get<AttentionModule>(`layers.${block}.self_attn`);
    const mlpSlot = model.tree.get<MlpModule>(`layers.${block}.mlp`);
    const attn = attnSlot.get();
    const mlp = mlpSlot.get();
    if (!(attn instanceof PagedAttention)) throw new TypeError(`applyDejaVu: layers.${block}.self_attn holds a "${attn.kind}" module; DejaVu replaces the dense PagedAttention (apply it first)`);
    if (!(mlp instanceof SwiGluMlp)) throw new TypeError(`applyDejaVu: layers.${block}.mlp holds a "${mlp.kind}" module; DejaVu replaces the dense SwiGluMlp (apply it first)`);

    // Weights are laid out only for what will run sparse.
    let mlpWeights: SparseSwiGluWeights | null = null;
    if (runtime.mlpSparse) {
      const dim = mlp.gate.inFeatures;
      const hidden = mlp.hiddenDim;
      const gate = denseWeightF32(mlp.gate, `${mlp.path}.gate_proj`);
      const up = denseWeightF32(mlp.up, `${mlp.path}.up_proj`);
      const downT = transposeF32(denseWeightF32(mlp.down, `${mlp.path}.down_proj`), dim, hidden);
      mlpWeights = { dim, hidden, gate, up, downT };
      extraBytes += downT.byteLength + (widened(mlp.gate, gate) ? gate.byteLength + up.byteLength : 0);
    }
    let headWeights: HeadProjectionWeights | null = null;
    if (runtime.headsSparse) {
      const { nHeads, headDim, dim } = attn.shape;
      const q = denseWeightF32(attn.q, `${attn.path}.q_proj`);
      const o = denseWeightF32(attn.o, `${attn.path}.o_proj`);
      headWeights = { dim, nHeads, headDim, q, qBias: denseBias(attn.q), o, oBias: denseBias(attn.o) };
      if (widened(attn.q, q)) extraBytes += q.byteLength + o.byteLength;
    }

    attnSlot.set(new DejaVuAttention(block, attn, headWeights, runtime));
    mlpSlot.set(new DejaVuMlp(block, mlp, mlpWeights, runtime));
    restores.push(() => {
      attnSlot.set(attn);
      mlpSlot.set(mlp);
    });
  }

  return {
    runtime,
    stats: runtime.stats,
    extraBytes,
    describe: () =>
      `dejavu: mlpBudget ${runtime.mlpBudget}, headBudget ${runtime.headBudget}, ${runtime.batchPolicy}` +
      (runtime.batchPolicy === "union" ? ` (dense above ${runtime.denseAboveRows} rows)` : "") +
      `, lookahead 1 block, kernel ${DEJAVU_KERNEL}`,
    restore: () => {
      for (const r of restores) r();
      restores.length = 0;
    },
  };
}

/** Whether f32 weights are a widened copy rather than the layer's own storage. */
function widened(layer: unknown, f32: Float32Array): boolean {
  return !(layer instanceof DenseLinear && layer.weight === f32);
}
