/**
 * Choosing which weights to prune from importance scores. Every selection prunes an exact count:
 * the lowest scores first, and among equal scores the lower index first (a deterministic tie
 * rule: a stable sort by score, which is also what torch.sort does on CPU for ties). Masks use
 * 1 = kept, 0 = pruned.
 */
import { nmPruneCount } from "./nm.js";
import type { NmPattern } from "./types.js";

type Scores = ArrayLike<number>;

/**
 * Marks in `mask` (set to 0) the `count` lowest of scores[offset .. offset+length), ties to the
 * lower index. Entries not chosen are left as they are.
 */
export function pruneLowest(scores: Scores, offset: number, length: number, count: number, mask: Uint8Array): void {
  if (count <= 0) return;
  if (count >= length) {
    mask.fill(0, offset, offset + length);
    return;
  }
  const sorted = new Float64Array(length);
  for (let i = 0; i < length; i++) sorted[i] = scores[offset + i]!;
  sorted.sort();
  const threshold = sorted[count - 1]!;
  let below = 0;
  for (let i = 0; i < count; i++) if (sorted[i]! < threshold) below++;
  let atThreshold = count - below;
  for (let i = 0; i < length; i++) {
    const s = scores[offset + i]!;
    if (s < threshold) mask[offset + i] = 0;
    else if (s === threshold && atThreshold > 0) {
      mask[offset + i] = 0;
      atThreshold--;
    }
  }
}

/** The k lowest of a short run of scores (an N:M group), by insertion into a small sorted list. */
function pruneLowestSmall(scores: Scores, offset: number, length: number, count: number, mask: Uint8Array): void {
  if (count <= 0) return;
  const order: number[] = [];
  for (let i = 0; i < length; i++) {
    const s = scores[offset + i]!;
    let at = order.length;
    // Strictly lower scores move ahead; an equal score stays behind the earlier index.
    while (at > 0 && scores[offset + order[at - 1]!]! > s) at--;
    order.splice(at, 0, i);
  }
  for (let k = 0; k < count && k < length; k++) mask[offset + order[k]!] = 0;
}

/**
 * Prunes the lowest scores within each row. Row r prunes round(s·cols·(r+1)) - round(s·cols·r)
 * weights: exactly s·cols in every row when that is an integer, otherwise ⌊s·cols⌋ or ⌈s·cols⌉
 * spread evenly, so that the layer prunes exactly round(s·rows·cols) (the reference code's
 * int(s·cols) per row would prune 59.4% of a 64-column layer asked for 60%).
 */
export function maskPerRow(scores: Scores, rows: number, cols: number, sparsity: number): Uint8Array {
  const mask = new Uint8Array(rows * cols).fill(1);
  const perRow = sparsity * cols;
  for (let r = 0; r < rows; r++) pruneLowest(scores, r * cols, cols, Math.round(perRow * (r + 1)) - Math.round(perRow * r), mask);
  return mask;
}

/** Prunes round(sparsity · n) weights of the whole matrix (or any flat array), lowest scores first. */
export function maskOverall(scores: Scores, sparsity: number): Uint8Array {
  const mask = new Uint8Array(scores.length).fill(1);
  pruneLowest(scores, 0, scores.length, Math.round(sparsity * scores.length), mask);
  return mask;
}

/** In every row, prunes the m - n lowest scores of each aligned group of m columns. */
export function maskNm(scores: Scores, rows: number, cols: number, p: NmPattern): Uint8Array {
  const mask = new Uint8Array(rows * cols).fill(1);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < cols; g += p.m) {
      const len = Math.min(p.m, cols - g);
      pruneLowestSmall(scores, r * cols + g, len, nmPruneCount(len, p), mask);
    }
  }
  return mask;
}

/** maskNm's group step on one row segment, for algorithms that choose groups as they go (SparseGPT). */
export function pruneGroupLowest(scores: Scores, offset: number, length: number, count: number, mask: Uint8Array): void {
  pruneLowestSmall(scores, offset, length, count, mask);
}
