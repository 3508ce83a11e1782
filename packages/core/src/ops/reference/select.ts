/**
 * Reference selection over rows of a [rows, cols] matrix: argmax and top-k. Ties go to the lower
 * index. Comparisons use `>` so a NaN never wins against a number (except a NaN in column 0 for
 * argmax, which nothing can beat).
 */
import { requireF32, requireI32, requireLength, requireSize } from "./validate.js";

/** out[r] = index of the largest value in row r (lowest index on ties). */
export function argmax(out: Int32Array, x: Float32Array, rows: number, cols: number): void {
  const op = "argmax";
  requireI32(op, "out", out);
  requireF32(op, "x", x);
  requireSize(op, "rows", rows);
  requireSize(op, "cols", cols);
  if (rows > 0 && cols === 0) throw new RangeError(`${op}: cols must be at least 1 when rows > 0`);
  requireLength(op, "x", x, rows * cols);
  requireLength(op, "out", out, rows);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    let best = 0;
    let bestValue = x[start]!;
    for (let j = 1; j < cols; j++) {
      if (x[start + j]! > bestValue) {
        bestValue = x[start + j]!;
        best = j;
      }
    }
    out[r] = best;
  }
}

/** The k largest values of each row, sorted descending (lower index first on ties). */
export function topk(outValues: Float32Array, outIndices: Int32Array, x: Float32Array, rows: number, cols: number, k: number): void {
  const op = "topk";
  requireF32(op, "outValues", outValues);
  requireI32(op, "outIndices", outIndices);
  requireF32(op, "x", x);
  requireSize(op, "rows", rows);
  requireSize(op, "cols", cols);
  requireSize(op, "k", k);
  if (k > cols) throw new RangeError(`${op}: k = ${k} exceeds cols = ${cols}`);
  requireLength(op, "x", x, rows * cols);
  requireLength(op, "outValues", outValues, rows * k);
  requireLength(op, "outIndices", outIndices, rows * k);
  const order = Array.from({ length: cols }, (_, j) => j);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    // Descending by value, then ascending by index; NaNs sort last so they are picked only when
    // k reaches past every number.
    const key = (j: number): number => {
      const v = x[start + j]!;
      return Number.isNaN(v) ? -Infinity : v;
    };
    order.sort((a, b) => {
      const d = key(b) - key(a);
      if (d > 0 || d < 0) return d;
      const aNaN = Number.isNaN(x[start + a]!);
      const bNaN = Number.isNaN(x[start + b]!);
      if (aNaN !== bNaN) return aNaN ? 1 : -1;
      return a - b;
    });
    for (let i = 0; i < k; i++) {
      outIndices[r * k + i] = order[i]!;
      outValues[r * k + i] = x[start + order[i]!]!;
    }
  }
}
