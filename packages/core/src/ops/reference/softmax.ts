/**
 * Reference softmax and log-softmax over each row of a [rows, cols] matrix, in float64 and
 * stabilised by the row maximum. A row is read completely before it is written, so out may be x.
 */
import { requireF32, requireLength, requireSize } from "./validate.js";

function checkRows(op: string, out: unknown, x: unknown, rows: unknown, cols: unknown): void {
  requireF32(op, "out", out);
  requireF32(op, "x", x);
  requireSize(op, "rows", rows);
  requireSize(op, "cols", cols);
  requireLength(op, "x", x, rows * cols);
  requireLength(op, "out", out, rows * cols);
}

/** max and log(sum(exp(x - max))) of x[start, start + cols). */
export function rowLogSumExp(x: Float32Array, start: number, cols: number): { max: number; logSum: number } {
  let max = -Infinity;
  for (let j = 0; j < cols; j++) max = Math.max(max, x[start + j]!);
  let sum = 0;
  for (let j = 0; j < cols; j++) sum += Math.exp(x[start + j]! - max);
  return { max, logSum: Math.log(sum) };
}

/** out[r, j] = exp(x[r, j] - max) / sum_j' exp(x[r, j'] - max). */
export function softmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void {
  checkRows("softmax", out, x, rows, cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const { max, logSum } = rowLogSumExp(x, start, cols);
    const sum = Math.exp(logSum);
    for (let j = 0; j < cols; j++) out[start + j] = Math.exp(x[start + j]! - max) / sum;
  }
}

/** out[r, j] = x[r, j] - max - log(sum_j' exp(x[r, j'] - max)). */
export function logSoftmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void {
  checkRows("logSoftmax", out, x, rows, cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const { max, logSum } = rowLogSumExp(x, start, cols);
    for (let j = 0; j < cols; j++) out[start + j] = x[start + j]! - max - logSum;
  }
}
