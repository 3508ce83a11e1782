/**
 * Wanda (Sun et al. 2023, "A Simple and Effective Pruning Approach for LLMs"): the importance of
 * W_ij is |W_ij| · ||X_j||_2, where ||X_j||_2 is the L2 norm of input feature j over all
 * calibration tokens. Weights compete within their output row (per-output comparison), or within
 * each N:M group of a row. No weight update.
 */
import { checkNmPattern } from "./nm.js";
import { maskNm, maskPerRow } from "./select.js";
import { applyMask, checkMatrix, checkSparsity, type PruneTarget, type PrunedWeight, type WeightMatrix } from "./types.js";

/** Per input column ||X_j||_2 from Σ_r x[r, j]² (what calibration accumulates). */
export function normsFromSumSquares(sumSquares: ArrayLike<number>): Float64Array {
  const out = new Float64Array(sumSquares.length);
  for (let j = 0; j < out.length; j++) out[j] = Math.sqrt(sumSquares[j]!);
  return out;
}

/** Per input column ||X_j||_2 of X [rows, cols]. */
export function columnNorms(x: Float32Array, rows: number, cols: number): Float64Array {
  const sq = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) sq[j] += x[r * cols + j]! ** 2;
  return normsFromSumSquares(sq);
}

/** S_ij = |W_ij| · ||X_j||_2 (float64, so that scores tie only where the products tie). */
export function wandaScores(w: WeightMatrix, inputNorms: ArrayLike<number>): Float64Array {
  checkMatrix(w, "wandaScores");
  if (inputNorms.length !== w.cols) throw new RangeError(`wandaScores: ${inputNorms.length} input norms for a weight with ${w.cols} input columns`);
  const s = new Float64Array(w.data.length);
  for (let r = 0; r < w.rows; r++) {
    const base = r * w.cols;
    for (let j = 0; j < w.cols; j++) s[base + j] = Math.abs(w.data[base + j]!) * inputNorms[j]!;
  }
  return s;
}

/**
 * The Wanda mask: in each row, prune the lowest s · cols scores (unstructured; see maskPerRow for
 * the rounding when s · cols is not an integer), or the m - n lowest of each aligned N:M group.
 * Ties: the lower column index is pruned first.
 */
export function wandaMask(w: WeightMatrix, inputNorms: ArrayLike<number>, target: PruneTarget): Uint8Array {
  const scores = wandaScores(w, inputNorms);
  if ("pattern" in target) return maskNm(scores, w.rows, w.cols, checkNmPattern(target.pattern));
  checkSparsity(target.sparsity, "wandaMask");
  return maskPerRow(scores, w.rows, w.cols, target.sparsity);
}

export function wandaPrune(w: WeightMatrix, inputNorms: ArrayLike<number>, target: PruneTarget): PrunedWeight {
  const mask = wandaMask(w, inputNorms, target);
  return { weight: applyMask(w.data, mask), mask };
}
