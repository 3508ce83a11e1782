/**
 * SparseGPT (Frantar & Alistarh 2023): prune a layer and update its remaining weights so that
 * the output on calibration inputs X changes as little as possible, one column at a time with
 * the Optimal Brain Surgeon update, using H = 2XᵀX (the factor 2 and any scaling of H do not
 * change the result: only the relative dampening does).
 *
 * Steps, as in the reference implementation:
 * - dead inputs (H_jj = 0: the column never fires) get H_jj = 1 and their weights zeroed;
 * - H += λI with λ = percdamp · mean(diag H), retried with 10x more when not positive definite;
 * - U = upper Cholesky factor of H⁻¹ (float64), so that row j of U carries the OBS update of
 *   column j onto the columns after it;
 * - columns are processed in blocks of `blocksize`: the mask of a block is chosen when the block
 *   starts (unstructured: the lowest w²/U_jj² over the whole block, the block's share of the
 *   target; N:M: the m - n lowest of each group of a row, chosen when its first column comes),
 *   each column's error err = (w - q)/U_jj updates the rest of the block at once, and the
 *   block's errors update the columns after it in one batched product (the lazy update).
 *
 * Cost: O(cols³) for the factorizations plus O(rows · cols²) for the updates.
 */
import { checkNmPattern, nmPruneCount } from "./nm.js";
import { choleskyUpper, inverseSpd, meanDiagonal, NotPositiveDefiniteError } from "./linalg.js";
import { pruneGroupLowest, pruneLowest } from "./select.js";
import { checkMatrix, checkSparsity, type PruneTarget, type PrunedWeight, type WeightMatrix } from "./types.js";

export interface SparseGptOptions {
  /** Columns per lazy-update block (default 128; rounded down to a multiple of m for N:M). */
  blocksize?: number;
  /** Dampening as a fraction of the mean diagonal of H (default 0.01). */
  percdamp?: number;
  /**
   * Unstructured only: where a block's pruned weights are chosen. "block" (default, as the
   * reference code): the lowest scores over all rows of the block, so rows end up with different
   * sparsities; "row": each row prunes its own share of the block (Wanda's per-output comparison).
   */
  maskScope?: "block" | "row";
}

export interface SparseGptResult extends PrunedWeight {
  /** The OBS loss Σ (w - q)² / (2 U_jj²) summed over pruned weights (the algorithm's own estimate). */
  loss: number;
  /** Dampening actually used (after retries). */
  damp: number;
}

/**
 * Prunes w [rows, cols] given the Gram matrix of its calibration inputs, gram = XᵀX [cols, cols]
 * (row-major, symmetric). Returns the pruned and updated weight and its mask.
 */
export function sparseGptPrune(w: WeightMatrix, gram: Float64Array, target: PruneTarget, options: SparseGptOptions = {}): SparseGptResult {
  checkMatrix(w, "sparseGptPrune");
  const { rows, cols } = w;
  if (gram.length !== cols * cols) throw new RangeError(`sparseGptPrune: gram has ${gram.length} entries, expected ${cols}x${cols}`);
  const pattern = "pattern" in target ? checkNmPattern(target.pattern) : undefined;
  const sparsity = "sparsity" in target ? target.sparsity : 0;
  if (!pattern) checkSparsity(sparsity, "sparseGptPrune");
  let blocksize = options.blocksize ?? 128;
  if (pattern) blocksize = Math.max(pattern.m, blocksize - (blocksize % pattern.m));
  if (!Number.isInteger(blocksize) || blocksize < 1) throw new RangeError(`sparseGptPrune: blocksize must be a positive integer, got ${options.blocksize}`);

  const W = Float64Array.from(w.data);
  const H = Float64Array.from(gram);
  for (let j = 0; j < cols; j++) {
    if (H[j * cols + j] === 0) {
      H[j * cols + j] = 1;
      for (let r = 0; r < rows; r++) W[r * cols + j] = 0;
    }
  }
  const { u: U, damp } = dampedInverseFactor(H, cols, options.percdamp ?? 0.01);

  const mask = new Uint8Array(rows * cols).fill(1);
  const totalToPrune = Math.round(sparsity * rows * cols);
  let loss = 0;
  for (let i1 = 0; i1 < cols; i1 += blocksize) {
    const i2 = Math.min(i1 + blocksize, cols);
    const count = i2 - i1;
    const scores = new Float64Array(rows * count);
    const score = (r: number, j: number): number => {
      const d = U[j * cols + j]!;
      const v = W[r * cols + j]!;
      return (v * v) / (d * d);
    };
    // The block mask (kept as a [rows, count] view into the full mask by copying at the end).
    const blockMask = new Uint8Array(rows * count).fill(1);
    if (!pattern) {
      for (let r = 0; r < rows; r++) for (let c = 0; c < count; c++) scores[r * count + c] = score(r, i1 + c);
      if (options.maskScope === "row") {
        // Row r prunes T_r = round(s·cols·(r+1)) - round(s·cols·r) in all (as maskPerRow, so the
        // layer total is exact), of which this block takes its cumulative share along the row.
        for (let r = 0; r < rows; r++) {
          const rowTotal = Math.round(sparsity * cols * (r + 1)) - Math.round(sparsity * cols * r);
          const share = Math.round((rowTotal * i2) / cols) - Math.round((rowTotal * i1) / cols);
          pruneLowest(scores, r * count, count, share, blockMask);
        }
      } else {
        // The block's share of the target, cumulative so that the layer total is exact.
        const share = Math.round((totalToPrune * i2) / cols) - Math.round((totalToPrune * i1) / cols);
        pruneLowest(scores, 0, rows * count, share, blockMask);
      }
    }
    const err = new Float64Array(rows * count);
    for (let c = 0; c < count; c++) {
      const j = i1 + c;
      if (pattern && c % pattern.m === 0) {
        const len = Math.min(pattern.m, i2 - j);
        for (let r = 0; r < rows; r++) {
          for (let g = 0; g < len; g++) scores[r * count + c + g] = score(r, j + g);
          pruneGroupLowest(scores, r * count + c, len, nmPruneCount(len, pattern), blockMask);
        }
      }
      const d = U[j * cols + j]!;
      const uRow = j * cols;
      for (let r = 0; r < rows; r++) {
        const at = r * cols;
        const v = W[at + j]!;
        const q = blockMask[r * count + c] ? v : 0;
        W[at + j] = q;
        if (q === v) continue;
        const e = (v - q) / d;
        loss += (e * e) / 2;
        err[r * count + c] = e;
        for (let k = j + 1; k < i2; k++) W[at + k] -= e * U[uRow + k]!;
      }
    }
    // Lazy batched update of every column after the block: W[:, i2:] -= Err · U[i1:i2, i2:].
    if (i2 < cols) {
      for (let r = 0; r < rows; r++) {
        const at = r * cols;
        for (let c = 0; c < count; c++) {
          const e = err[r * count + c]!;
          if (e === 0) continue;
          const uRow = (i1 + c) * cols;
          for (let k = i2; k < cols; k++) W[at + k] -= e * U[uRow + k]!;
        }
      }
    }
    for (let r = 0; r < rows; r++) mask.set(blockMask.subarray(r * count, (r + 1) * count), r * cols + i1);
  }
  const weight = new Float32Array(rows * cols);
  for (let i = 0; i < weight.length; i++) weight[i] = mask[i] ? W[i]! : 0;
  return { weight, mask, loss, damp };
}

/** U with (H + λI)⁻¹ = UᵀU; λ starts at percdamp · mean(diag H) and grows 10x on failure. */
function dampedInverseFactor(h: Float64Array, n: number, percdamp: number): { u: Float64Array; damp: number } {
  if (!(percdamp >= 0)) throw new RangeError(`sparseGptPrune: percdamp must be >= 0, got ${percdamp}`);
  const mean = meanDiagonal(h, n);
  let damp = percdamp * mean;
  for (let attempt = 0; attempt < 8; attempt++) {
    const a = Float64Array.from(h);
    for (let j = 0; j < n; j++) a[j * n + j] += damp;
    try {
      return { u: choleskyUpper(inverseSpd(a, n), n), damp };
    } catch (e) {
      if (!(e instanceof NotPositiveDefiniteError)) throw e;
      damp = damp > 0 ? damp * 10 : Math.max(mean, 1) * 1e-6;
    }
  }
  throw new Error("sparseGptPrune: the Hessian stays singular even with heavy dampening; check the calibration inputs");
}
