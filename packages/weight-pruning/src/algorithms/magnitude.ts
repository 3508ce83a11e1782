/**
 * Magnitude pruning: the importance of a weight is |w| (Optimal Brain Damage with the Hessian
 * replaced by the identity). Three scopes for unstructured sparsity: the whole layer (the usual
 * baseline in the Wanda and SparseGPT papers), each output row, or several layers at once
 * (one global threshold); and N:M groups.
 */
import { maskNm, maskOverall, maskPerRow, pruneLowest } from "./select.js";
import { applyMask, checkMatrix, checkSparsity, type PruneTarget, type PrunedWeight, type WeightMatrix } from "./types.js";
import { checkNmPattern } from "./nm.js";

/** Where unstructured magnitude pruning compares weights. */
export type MagnitudeScope = "layer" | "row";

export function magnitudeScores(w: Float32Array): Float32Array {
  const s = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) s[i] = Math.abs(w[i]!);
  return s;
}

/**
 * Prunes the smallest |w|: round(s · rows · cols) of the layer ("layer"), s · cols of each row
 * ("row"; see maskPerRow for the rounding), or the m - n smallest of each N:M group. Ties: the
 * lower flat index is pruned first.
 */
export function magnitudePrune(w: WeightMatrix, target: PruneTarget, scope: MagnitudeScope = "layer"): PrunedWeight {
  checkMatrix(w, "magnitudePrune");
  const scores = magnitudeScores(w.data);
  let mask: Uint8Array;
  if ("pattern" in target) mask = maskNm(scores, w.rows, w.cols, checkNmPattern(target.pattern));
  else {
    checkSparsity(target.sparsity, "magnitudePrune");
    mask = scope === "row" ? maskPerRow(scores, w.rows, w.cols, target.sparsity) : maskOverall(scores, target.sparsity);
  }
  return { weight: applyMask(w.data, mask), mask };
}

/**
 * Global magnitude pruning: one threshold over all the given layers, pruning exactly
 * round(s · total weights) — so layers with small weights lose more. Ties: earlier layer, then
 * lower index, pruned first.
 */
export function magnitudePruneGlobal(weights: readonly WeightMatrix[], sparsity: number): PrunedWeight[] {
  checkSparsity(sparsity, "magnitudePruneGlobal");
  weights.forEach((w, i) => checkMatrix(w, `magnitudePruneGlobal: layer ${i}`));
  const total = weights.reduce((n, w) => n + w.data.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const w of weights) {
    for (let i = 0; i < w.data.length; i++) all[at + i] = Math.abs(w.data[i]!);
    at += w.data.length;
  }
  const mask = new Uint8Array(total).fill(1);
  pruneLowest(all, 0, total, Math.round(sparsity * total), mask);
  at = 0;
  return weights.map((w) => {
    const m = mask.slice(at, at + w.data.length);
    at += w.data.length;
    return { weight: applyMask(w.data, m), mask: m };
  });
}
