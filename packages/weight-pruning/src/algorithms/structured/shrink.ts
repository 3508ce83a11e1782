/**
 * Physically smaller matrices: structured pruning keeps whole rows (output features) or whole
 * columns (input features) and drops the rest, so the result is a dense matrix of a new shape.
 */
import type { WeightMatrix } from "../types.js";

function checkIndices(kept: ArrayLike<number>, size: number, what: string): void {
  let prev = -1;
  for (let i = 0; i < kept.length; i++) {
    const k = kept[i]!;
    if (!Number.isInteger(k) || k <= prev || k >= size) throw new RangeError(`${what}: kept indices must be increasing integers in [0, ${size}), got ${k} after ${prev}`);
    prev = k;
  }
}

/** The rows `kept` (increasing indices) of w. */
export function keepRows(w: WeightMatrix, kept: ArrayLike<number>): WeightMatrix {
  checkIndices(kept, w.rows, "keepRows");
  const data = new Float32Array(kept.length * w.cols);
  for (let i = 0; i < kept.length; i++) data.set(w.data.subarray(kept[i]! * w.cols, (kept[i]! + 1) * w.cols), i * w.cols);
  return { data, rows: kept.length, cols: w.cols };
}

/** The columns `kept` (increasing indices) of w. */
export function keepColumns(w: WeightMatrix, kept: ArrayLike<number>): WeightMatrix {
  checkIndices(kept, w.cols, "keepColumns");
  const cols = kept.length;
  const data = new Float32Array(w.rows * cols);
  for (let r = 0; r < w.rows; r++) for (let i = 0; i < cols; i++) data[r * cols + i] = w.data[r * w.cols + kept[i]!]!;
  return { data, rows: w.rows, cols };
}

/** The entries `kept` of a vector (a bias or a norm weight). */
export function keepEntries(v: Float32Array, kept: ArrayLike<number>): Float32Array {
  checkIndices(kept, v.length, "keepEntries");
  const out = new Float32Array(kept.length);
  for (let i = 0; i < kept.length; i++) out[i] = v[kept[i]!]!;
  return out;
}

/** Indices of the `keep` highest scores, in increasing index order (ties: the lower index is kept). */
export function highestIndices(scores: ArrayLike<number>, keep: number): Int32Array {
  if (!Number.isInteger(keep) || keep < 0 || keep > scores.length) throw new RangeError(`highestIndices: cannot keep ${keep} of ${scores.length}`);
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from(order.slice(0, keep).sort((a, b) => a - b));
}

/** [first, first+1, ..., first+count-1] for each start in `starts` (expands heads to their rows). */
export function expandRanges(starts: ArrayLike<number>, width: number): Int32Array {
  const out = new Int32Array(starts.length * width);
  for (let i = 0; i < starts.length; i++) for (let k = 0; k < width; k++) out[i * width + k] = starts[i]! * width + k;
  return out;
}
