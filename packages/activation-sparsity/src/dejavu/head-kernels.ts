/**
 * The head-sparse projections a DejaVu attention runs (queries of the selected heads, the output
 * projection over the selected heads), in two implementations behind one interface, chosen once
 * when DejaVu is applied (see mlp-kernels.ts for the rule):
 *
 * - "native": gatherRowsMatmul over the selected heads' rows of W_q, and sparseMatmulIm over their
 *   rows of the input-major W_o^T (the package's activation-sparse kernels, stored dtype).
 * - "typescript": head-projections.ts on f32 weights.
 *
 * Head lists must be ascending.
 */
import type { KernelBackend, WeightData, WeightDType } from "@sieve/core";
import type { PagedAttention, Scratch } from "@sieve/model";
import type { ActivationKernels } from "../kernels/activation-kernels.js";
import { transposeWeight } from "../kernels/input-major.js";
import { denseBias, denseWeightF32, requireDense } from "./dense-weights.js";
import { headSubsetOutput, headSubsetQuery } from "./head-projections.js";

export interface HeadKernel {
  readonly name: string;
  /** Extra bytes of weights this kernel holds. */
  readonly extraBytes: number;
  /** q[rows, nHeads * headDim]: the listed heads' queries (+ bias), zero for the others. */
  query(q: Float32Array, x: Float32Array, rows: number, heads: Int32Array, count: number, scratch: Scratch, backend: KernelBackend): void;
  /** out[rows, dim] = the output projection over the listed heads of attn only (+ bias). */
  output(out: Float32Array, attn: Float32Array, rows: number, heads: Int32Array, count: number, scratch: Scratch, backend: KernelBackend): void;
}

export function typescriptHeadKernel(attn: PagedAttention): HeadKernel {
  const { nHeads, headDim, dim } = attn.shape;
  const q = denseWeightF32(attn.q, `${attn.path}.q_proj`);
  const o = denseWeightF32(attn.o, `${attn.path}.o_proj`);
  const weights = { dim, nHeads, headDim, q, qBias: denseBias(attn.q), o, oBias: denseBias(attn.o) };
  const widened = requireDense(attn.q, `${attn.path}.q_proj`).dtype !== "f32";
  return {
    name: "typescript:head-subset-q/o",
    extraBytes: widened ? q.byteLength + o.byteLength : 0,
    query: (out, x, rows, heads, count) => headSubsetQuery(out, x, rows, weights, heads, count),
    output: (out, a, rows, heads, count) => headSubsetOutput(out, a, rows, weights, heads, count),
  };
}

export function nativeHeadKernel(attn: PagedAttention, kernels: ActivationKernels): HeadKernel {
  const { nHeads, headDim, dim } = attn.shape;
  const qDim = nHeads * headDim;
  const qLinear = requireDense(attn.q, `${attn.path}.q_proj`);
  const oLinear = requireDense(attn.o, `${attn.path}.o_proj`);
  const qWeight: WeightData = qLinear.weight;
  const dtype: WeightDType = qLinear.dtype;
  if (oLinear.dtype !== dtype) throw new TypeError(`DejaVu: ${attn.path} q_proj is ${dtype} but o_proj is ${oLinear.dtype}; the native head kernels need one dtype`);
  const oT = transposeWeight(oLinear.weight, dtype, dim, qDim);
  // The rows of W_q (= rows of W_o^T) that belong to the listed heads, ascending.
  const channelsOf = (heads: Int32Array, count: number, scratch: Scratch): Int32Array => {
    const channels = scratch.ints("dejavu.attn.channels", count * headDim);
    for (let n = 0; n < count; n++) for (let i = 0; i < headDim; i++) channels[n * headDim + i] = heads[n]! * headDim + i;
    return channels;
  };
  return {
    name: `native:${kernels.variant("gatherRowsMatmul")}+${kernels.variant("sparseMatmulIm")}`,
    extraBytes: oT.byteLength,
    query: (q, x, rows, heads, count, scratch) => {
      const channels = channelsOf(heads, count, scratch);
      const width = channels.length;
      const compact = scratch.floats("dejavu.attn.qc", rows * width);
      kernels.gatherRowsMatmul(compact, x, rows, channels, width, qWeight, dtype, dim, qDim);
      q.fill(0, 0, rows * qDim);
      const bias = qLinear.bias;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < width; i++) q[r * qDim + channels[i]!] = compact[r * width + i]! + (bias ? bias[channels[i]!]! : 0);
      }
    },
    output: (out, a, rows, heads, count, scratch) => {
      const channels = channelsOf(heads, count, scratch);
      kernels.sparseMatmulIm(out, a, rows, qDim, channels, channels.length, 0, oT, dtype, dim, oLinear.bias);
    },
  };
}
