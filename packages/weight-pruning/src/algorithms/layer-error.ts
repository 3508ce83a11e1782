/**
 * How much pruning changes a layer's output on calibration inputs, from the Gram matrix alone:
 * ||W X - W' X||² (X as [tokens, cols], outputs X Wᵀ) = Σ_rows dᵀ G d with d = w - w' and
 * G = XᵀX. Cost O(rows · cols²); no token rows needed.
 */
import type { WeightMatrix } from "./types.js";

/** Σ over rows of dᵀ G d for d = a - b (b omitted: aᵀ G a, the output energy). */
export function quadraticError(a: Float32Array, b: Float32Array | undefined, rows: number, cols: number, gram: Float64Array): number {
  if (gram.length !== cols * cols) throw new RangeError(`quadraticError: gram has ${gram.length} entries, expected ${cols}x${cols}`);
  const d = new Float64Array(cols);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const at = r * cols;
    for (let j = 0; j < cols; j++) d[j] = a[at + j]! - (b ? b[at + j]! : 0);
    for (let i = 0; i < cols; i++) {
      const di = d[i]!;
      if (di === 0) continue;
      const gi = i * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += gram[gi + j]! * d[j]!;
      total += di * s;
    }
  }
  return total;
}

/** ||W X - W' X||² on the inputs whose Gram matrix is `gram`. */
export function outputError(original: WeightMatrix, pruned: Float32Array, gram: Float64Array): number {
  return quadraticError(original.data, pruned, original.rows, original.cols, gram);
}

/** ||W X - W' X||² / ||W X||² (0 when the output is all zero). */
export function relativeOutputError(original: WeightMatrix, pruned: Float32Array, gram: Float64Array): number {
  const energy = quadraticError(original.data, undefined, original.rows, original.cols, gram);
  return energy > 0 ? outputError(original, pruned, gram) / energy : 0;
}

/** X Wᵀ [tokens, rows] for X [tokens, cols] (a direct product, for tests and small checks). */
export function layerOutput(w: Float32Array, rows: number, cols: number, x: Float32Array, tokens: number): Float64Array {
  const out = new Float64Array(tokens * rows);
  for (let t = 0; t < tokens; t++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += x[t * cols + j]! * w[r * cols + j]!;
      out[t * rows + r] = s;
    }
  }
  return out;
}

/** XᵀX [cols, cols] of X [tokens, cols] in float64. */
export function gramOf(x: Float32Array, tokens: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let t = 0; t < tokens; t++) {
    const at = t * cols;
    for (let i = 0; i < cols; i++) {
      const xi = x[at + i]!;
      if (xi === 0) continue;
      for (let j = i; j < cols; j++) g[i * cols + j] += xi * x[at + j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) g[i * cols + j] = g[j * cols + i]!;
  return g;
}
