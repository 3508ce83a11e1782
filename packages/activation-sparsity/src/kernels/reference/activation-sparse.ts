/**
 * TypeScript twins of the native activation-sparse kernels (native/include/sieve/
 * activation_sparse_kernels.h): plain loops accumulated in f64, the ground truth the native
 * kernels are compared with, and what runs on the reference backend. Same signatures and
 * semantics as the addon's functions (without the argument validation, which the callers here do).
 *
 * An input-major weight wt is [k, n] row-major: row j holds the n weights input j feeds.
 */
import type { WeightData, WeightDType } from "@sieve/core";
import { weightAt, widenRow } from "./widen.js";

/** Keeps |v| >= threshold; threshold <= 0 keeps everything (exactly as the native kernels). */
export function keeps(v: number, threshold: number): boolean {
  return !(threshold > 0) || Math.abs(v) >= threshold;
}

/**
 * Writes to idx, ascending, every input j some row of x[m, k] keeps, and returns how many;
 * kept[0] receives the number of kept (row, input) pairs.
 */
export function thresholdSelect(idx: Int32Array, x: Float32Array, m: number, k: number, threshold: number, kept: Float64Array | null): number {
  let count = 0;
  let total = 0;
  for (let j = 0; j < k; j++) {
    let any = false;
    for (let r = 0; r < m; r++) {
      if (keeps(x[r * k + j]!, threshold)) {
        any = true;
        total++;
      }
    }
    if (any) idx[count++] = j;
  }
  if (kept) kept[0] = total;
  return count;
}

/** out[n] = bias + sum over i < count of x[idx[i]] * wt[idx[i], :]. */
export function sparseGemvIm(
  out: Float32Array, x: Float32Array, idx: Int32Array, count: number, wt: WeightData, dtype: WeightDType,
  n: number, bias: Float32Array | null,
): void {
  const acc = new Float64Array(n);
  const row = new Float32Array(n);
  for (let i = 0; i < count; i++) {
    const j = idx[i]!;
    widenRow(wt, dtype, j * n, n, row);
    const xv = x[j]!;
    for (let c = 0; c < n; c++) acc[c]! += xv * row[c]!;
  }
  for (let c = 0; c < n; c++) out[c] = acc[c]! + (bias ? bias[c]! : 0);
}

/**
 * out[m, n] = bias + sum over active j of c[r, j] * wt[j, :], c being x with sub-threshold
 * entries zeroed per row; idx = null means all k inputs.
 */
export function sparseMatmulIm(
  out: Float32Array, x: Float32Array, m: number, k: number, idx: Int32Array | null, count: number,
  threshold: number, wt: WeightData, dtype: WeightDType, n: number, bias: Float32Array | null,
): void {
  const active = idx ? count : k;
  const row = new Float32Array(n);
  const acc = new Float64Array(m * n);
  for (let i = 0; i < active; i++) {
    const j = idx ? idx[i]! : i;
    widenRow(wt, dtype, j * n, n, row);
    for (let r = 0; r < m; r++) {
      const v = x[r * k + j]!;
      if (!keeps(v, threshold) || v === 0) continue;
      for (let c = 0; c < n; c++) acc[r * n + c]! += v * row[c]!;
    }
  }
  for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) out[r * n + c] = acc[r * n + c]! + (bias ? bias[c]! : 0);
}

/** out[m, count] = x[m, k] . w[idx[i], :] for the selected rows of a row-major w. */
export function gatherRowsMatmul(
  out: Float32Array, x: Float32Array, m: number, idx: Int32Array, count: number, w: WeightData, dtype: WeightDType, k: number,
): void {
  const row = new Float32Array(k);
  for (let i = 0; i < count; i++) {
    widenRow(w, dtype, idx[i]! * k, k, row);
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x[r * k + p]! * row[p]!;
      out[r * count + i] = s;
    }
  }
}

/** The CATS MLP for one token: out = sum over kept i of act[i] * (up[i, :] . x) * downT[i, :]. */
export function catsMlpGemv(
  out: Float32Array, x: Float32Array, act: Float32Array, idx: Int32Array, count: number,
  up: WeightData, downT: WeightData, dtype: WeightDType, dim: number,
): void {
  const acc = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const neuron = idx[i]!;
    let u = 0;
    for (let c = 0; c < dim; c++) u += weightAt(up, dtype, neuron * dim + c) * x[c]!;
    const h = act[neuron]! * u;
    for (let c = 0; c < dim; c++) acc[c]! += h * weightAt(downT, dtype, neuron * dim + c);
  }
  for (let c = 0; c < dim; c++) out[c] = acc[c]!;
}
