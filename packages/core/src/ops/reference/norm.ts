/**
 * Reference normalizations over the last dimension of a [rows, dim] matrix, in float64. Each row's
 * statistics are computed before any of its outputs is written, so out may be x (in place).
 */
import { requireF32, requireFinite, requireLength, requireSize } from "./validate.js";

function checkNorm(op: string, out: unknown, x: unknown, weight: unknown, rows: unknown, dim: unknown, eps: unknown): void {
  requireF32(op, "out", out);
  requireF32(op, "x", x);
  requireF32(op, "weight", weight);
  requireSize(op, "rows", rows);
  requireSize(op, "dim", dim);
  requireFinite(op, "eps", eps);
  if (eps < 0) throw new RangeError(`${op}: eps must be >= 0, got ${eps}`);
  requireLength(op, "x", x, rows * dim);
  requireLength(op, "out", out, rows * dim);
  requireLength(op, "weight", weight, dim);
}

/** out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * weight. */
export function rmsNorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, dim: number, eps: number): void {
  checkNorm("rmsNorm", out, x, weight, rows, dim, eps);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sumSq = 0;
    for (let j = 0; j < dim; j++) sumSq += x[base + j]! * x[base + j]!;
    const inv = 1 / Math.sqrt(sumSq / dim + eps);
    for (let j = 0; j < dim; j++) out[base + j] = x[base + j]! * inv * weight[j]!;
  }
}

/** out[r, :] = (x - mean) / sqrt(var + eps) * weight + bias, with the biased (population) variance. */
export function layerNorm(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  rows: number,
  dim: number,
  eps: number,
): void {
  checkNorm("layerNorm", out, x, weight, rows, dim, eps);
  if (bias != null) {
    requireF32("layerNorm", "bias", bias);
    requireLength("layerNorm", "bias", bias, dim);
  }
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += x[base + j]!;
    const mean = sum / dim;
    let sumSq = 0;
    for (let j = 0; j < dim; j++) {
      const d = x[base + j]! - mean;
      sumSq += d * d;
    }
    const inv = 1 / Math.sqrt(sumSq / dim + eps);
    for (let j = 0; j < dim; j++) {
      out[base + j] = (x[base + j]! - mean) * inv * weight[j]! + (bias != null ? bias[j]! : 0);
    }
  }
}
