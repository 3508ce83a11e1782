/**
 * The neuron-sparse SwiGLU computation a DejaVu MLP runs, in two implementations behind one
 * interface (chosen once, when DejaVu is applied):
 *
 * - "native": the activation-sparse kernels of this package (src/kernels, the addon's AVX2 code;
 *   shared with TEAL/CATS): gatherRowsMatmul computes gate and up for the selected neurons' rows
 *   only, and the down projection reads only their rows of the input-major W_down^T
 *   (catsMlpGemv for one token, sparseMatmulIm for several). Weights stay in their stored dtype.
 * - "typescript": sparse-swiglu.ts, a fused loop over f32 weights, for the reference backend and
 *   when the addon lacks those kernels.
 *
 * Neuron lists must be ascending (the native kernels check it).
 */
import type { KernelBackend, WeightData, WeightDType } from "@sieve/core";
import type { Scratch, SwiGluMlp } from "@sieve/model";
import type { ActivationKernels } from "../kernels/activation-kernels.js";
import { transposeWeight } from "../kernels/input-major.js";
import { denseWeightF32, requireDense, transposeF32 } from "./dense-weights.js";
import { sparseSwiGlu } from "./sparse-swiglu.js";

export interface MlpKernel {
  /** Shown by describe(), e.g. "native:avx2-gather-rows+avx2-cats-mlp". */
  readonly name: string;
  /** Extra bytes of weights this kernel holds (W_down^T, widened copies). */
  readonly extraBytes: number;
  /** out[rows, dim] = the MLP over neurons[0, count) only, for every row. */
  run(out: Float32Array, x: Float32Array, rows: number, neurons: Int32Array, count: number, scratch: Scratch, backend: KernelBackend): void;
}

export function typescriptMlpKernel(mlp: SwiGluMlp): MlpKernel {
  const dim = mlp.gate.inFeatures;
  const hidden = mlp.hiddenDim;
  const gate = denseWeightF32(mlp.gate, `${mlp.path}.gate_proj`);
  const up = denseWeightF32(mlp.up, `${mlp.path}.up_proj`);
  const downT = transposeF32(denseWeightF32(mlp.down, `${mlp.path}.down_proj`), dim, hidden);
  const weights = { dim, hidden, gate, up, downT };
  const widened = requireDense(mlp.gate, `${mlp.path}.gate_proj`).dtype !== "f32";
  return {
    name: "typescript:fused-neuron-sparse-swiglu",
    extraBytes: downT.byteLength + (widened ? gate.byteLength + up.byteLength : 0),
    run: (out, x, rows, neurons, count) => sparseSwiGlu(out, x, rows, weights, neurons, count),
  };
}

/** The stored weight of a dense linear (the native kernels read every dtype). */
function stored(mlp: SwiGluMlp, which: "gate" | "up" | "down"): { data: WeightData; dtype: WeightDType } {
  const dense = requireDense(mlp[which], `${mlp.path}.${which}_proj`);
  return { data: dense.weight, dtype: dense.dtype };
}

export function nativeMlpKernel(mlp: SwiGluMlp, kernels: ActivationKernels): MlpKernel {
  const dim = mlp.gate.inFeatures;
  const hidden = mlp.hiddenDim;
  const gate = stored(mlp, "gate");
  const up = stored(mlp, "up");
  const down = stored(mlp, "down");
  if (gate.dtype !== up.dtype || gate.dtype !== down.dtype) {
    throw new TypeError(`DejaVu: ${mlp.path} mixes weight dtypes (${gate.dtype}/${up.dtype}/${down.dtype}); the native sparse MLP needs one`);
  }
  const dtype = gate.dtype;
  const downT = transposeWeight(down.data, dtype, dim, hidden);
  return {
    name: `native:${kernels.variant("gatherRowsMatmul")}+${kernels.variant("catsMlpGemv")}/${kernels.variant("sparseMatmulIm")}`,
    extraBytes: downT.byteLength,
    run: (out, x, rows, neurons, count, scratch, backend) => {
      const g = scratch.floats("dejavu.mlp.gate", rows * count);
      kernels.gatherRowsMatmul(g, x, rows, neurons, count, gate.data, dtype, dim, hidden);
      // Activations are read by neuron index: a [rows, hidden] buffer of which only the selected
      // entries are written (and read).
      const act = scratch.floats("dejavu.mlp.act", rows * hidden);
      if (rows === 1) {
        backend.silu(g, g);
        for (let i = 0; i < count; i++) act[neurons[i]!] = g[i]!;
        kernels.catsMlpGemv(out, x, act, neurons, count, up.data, downT, dtype, dim, hidden);
        return;
      }
      const u = scratch.floats("dejavu.mlp.up", rows * count);
      kernels.gatherRowsMatmul(u, x, rows, neurons, count, up.data, dtype, dim, hidden);
      backend.swiglu(g, g, u);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < count; i++) act[r * hidden + neurons[i]!] = g[r * count + i]!;
      }
      kernels.sparseMatmulIm(out, act, rows, hidden, neurons, count, 0, downT, dtype, dim, null);
    },
  };
}
