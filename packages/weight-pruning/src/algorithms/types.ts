/**
 * The shapes every pruning algorithm shares. Weights are dense row-major Float32 [out, in]
 * (rows = output features, as nn.Linear stores them); masks are Uint8 of the same size with
 * 1 = the weight is kept, 0 = it is pruned (zero). These plain arrays are the interface to the
 * sparse formats: a compressed layer is built from a pruned weight and its mask.
 */

/** A dense weight matrix [rows = out features, cols = in features], row-major. */
export interface WeightMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Semi-structured sparsity: at most n nonzeros in every aligned group of m input columns of a row. */
export interface NmPattern {
  n: number;
  m: number;
}

/**
 * How much to prune: a fraction of the weights (unstructured) or an N:M pattern. For N:M a
 * trailing group shorter than m (cols % m != 0) keeps at most n weights, as if zero-padded.
 */
export type PruneTarget = { sparsity: number } | { pattern: NmPattern };

/** A pruned weight: the dense values (zero where pruned) and the mask (1 = kept). */
export interface PrunedWeight {
  weight: Float32Array;
  mask: Uint8Array;
}

export function checkMatrix(w: WeightMatrix, where: string): void {
  if (!Number.isInteger(w.rows) || !Number.isInteger(w.cols) || w.rows < 1 || w.cols < 1) {
    throw new RangeError(`${where}: invalid weight shape [${w.rows}, ${w.cols}]`);
  }
  if (w.data.length !== w.rows * w.cols) throw new RangeError(`${where}: weight holds ${w.data.length} values, expected ${w.rows}x${w.cols}`);
}

export function checkSparsity(sparsity: number, where: string): void {
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`${where}: sparsity must be in [0, 1], got ${sparsity}`);
}

/** Zeroes the pruned weights: out[i] = mask[i] ? w[i] : 0. */
export function applyMask(w: Float32Array, mask: Uint8Array): Float32Array {
  if (w.length !== mask.length) throw new RangeError(`applyMask: ${w.length} weights but ${mask.length} mask entries`);
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = mask[i] ? w[i]! : 0;
  return out;
}

/** Fraction of mask entries that are 0 (pruned). */
export function maskSparsity(mask: Uint8Array): number {
  let pruned = 0;
  for (let i = 0; i < mask.length; i++) if (!mask[i]) pruned++;
  return mask.length ? pruned / mask.length : 0;
}

/** Fraction of values that are exactly zero. */
export function zeroFraction(w: Float32Array): number {
  let zeros = 0;
  for (let i = 0; i < w.length; i++) if (w[i] === 0) zeros++;
  return w.length ? zeros / w.length : 0;
}
