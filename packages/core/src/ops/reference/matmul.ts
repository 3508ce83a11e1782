/**
 * Reference kernels for the linear ops: the ground truth native kernels are compared with.
 * Deliberately plain: each weight row is widened to f32 once, then every dot product is a single
 * loop accumulated in a JS number (f64). That is more accurate than the f32 accumulation the
 * contract asks of fast backends, so parity tests measure the fast kernel's rounding, not ours.
 */
import type { WeightData, WeightDType } from "../../backend/kernels.js";
import { checkWeight, widenWeights } from "./weights.js";

function checkSize(op: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${value}`);
  }
}

function checkLength(op: string, name: string, array: ArrayLike<number>, needed: number): void {
  if (array.length < needed) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${needed}`);
}

/** out[m, n] = x[m, k] · w[n, k]^T (+ bias[n]). */
export function matmul(
  out: Float32Array,
  x: Float32Array,
  w: WeightData,
  wDtype: WeightDType,
  m: number,
  n: number,
  k: number,
  bias?: Float32Array | null,
): void {
  checkSize("matmul", "m", m);
  checkSize("matmul", "n", n);
  checkSize("matmul", "k", k);
  checkLength("matmul", "out", out, m * n);
  checkLength("matmul", "x", x, m * k);
  checkWeight("matmul", w, wDtype, n * k);
  if (bias) checkLength("matmul", "bias", bias, n);

  const row = new Float32Array(k);
  for (let j = 0; j < n; j++) {
    widenWeights(w, wDtype, j * k, k, row);
    const b = bias ? bias[j]! : 0;
    for (let i = 0; i < m; i++) {
      let sum = 0;
      const xOff = i * k;
      for (let p = 0; p < k; p++) sum += x[xOff + p]! * row[p]!;
      out[i * n + j] = sum + b;
    }
  }
}

/** out[n] = w[n, k] · x[k] (+ bias[n]): matmul with one activation row. */
export function gemv(
  out: Float32Array,
  x: Float32Array,
  w: WeightData,
  wDtype: WeightDType,
  n: number,
  k: number,
  bias?: Float32Array | null,
): void {
  checkSize("gemv", "n", n);
  checkSize("gemv", "k", k);
  checkLength("gemv", "out", out, n);
  checkLength("gemv", "x", x, k);
  checkWeight("gemv", w, wDtype, n * k);
  if (bias) checkLength("gemv", "bias", bias, n);
  matmul(out, x, w, wDtype, 1, n, k, bias);
}
