/**
 * OWL (Yin et al. 2024, "Outlier Weighed Layerwise Sparsity"): blocks with more activation
 * outliers are pruned less. A block's outlier ratio D is the fraction of its Wanda scores
 * |W_ij|·||X_j|| (all its linears together) above M times their mean; sparsities are spread
 * linearly in D over a band of width 2λ and shifted so that their mean is the target:
 *   keep_l = 2λ (D_l - D_min) / (D_max - D_min),  s_l = 1 - (keep_l - mean(keep) + 1 - s).
 * Blocks of a Llama model have equal sizes, so the plain mean is also the weight-weighted mean.
 */

export interface OwlOptions {
  /** Outlier threshold M: a score is an outlier above M · mean (default 5, the paper's choice for LLaMA). */
  threshold?: number;
  /** Half-width λ of the sparsity band (default 0.08). */
  lambda?: number;
}

/** Fraction of the scores (of all the arrays together) above threshold · their mean. */
export function outlierRatio(scores: readonly ArrayLike<number>[], threshold: number): number {
  let sum = 0;
  let n = 0;
  for (const s of scores) {
    for (let i = 0; i < s.length; i++) sum += s[i]!;
    n += s.length;
  }
  if (n === 0) return 0;
  const cut = threshold * (sum / n);
  let above = 0;
  for (const s of scores) for (let i = 0; i < s.length; i++) if (s[i]! > cut) above++;
  return above / n;
}

/** The same sparsity for every block. */
export function uniformAllocation(blocks: number, sparsity: number): number[] {
  return new Array<number>(blocks).fill(sparsity);
}

/**
 * Per-block sparsities from outlier ratios (see the file comment). Equal ratios give the uniform
 * allocation. Values are kept in [0, 1]; when that clamps some, the others shift so the mean
 * stays the target.
 */
export function owlAllocation(outlierRatios: readonly number[], sparsity: number, lambda = 0.08): number[] {
  const n = outlierRatios.length;
  if (n === 0) return [];
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`owlAllocation: sparsity must be in [0, 1], got ${sparsity}`);
  if (!(lambda >= 0)) throw new RangeError(`owlAllocation: lambda must be >= 0, got ${lambda}`);
  const lo = Math.min(...outlierRatios);
  const hi = Math.max(...outlierRatios);
  if (hi === lo) return uniformAllocation(n, sparsity);
  const keep = outlierRatios.map((d) => ((d - lo) / (hi - lo)) * 2 * lambda);
  const meanKeep = keep.reduce((a, b) => a + b, 0) / n;
  const s = keep.map((k) => 1 - (k - meanKeep + 1 - sparsity));
  return rebalanceIntoRange(s, sparsity);
}

/** Clamps into [0, 1] and shifts the unclamped entries until the mean is `target` again. */
function rebalanceIntoRange(values: number[], target: number): number[] {
  const v = values.slice();
  for (let iter = 0; iter < v.length + 1; iter++) {
    for (let i = 0; i < v.length; i++) v[i] = Math.min(1, Math.max(0, v[i]!));
    const gap = target * v.length - v.reduce((a, b) => a + b, 0);
    if (Math.abs(gap) < 1e-12) break;
    const free = v.map((x, i) => i).filter((i) => (gap > 0 ? v[i]! < 1 : v[i]! > 0));
    if (free.length === 0) break;
    for (const i of free) v[i] = v[i]! + gap / free.length;
  }
  return v;
}
