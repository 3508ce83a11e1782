/**
 * Structured attention pruning, GQA-aware. Query head h reads KV head floor(h / g) with
 * g = nHeads / nKvHeads, and the kernels need every KV head to serve the same number of query
 * heads. So heads go in one of two uniform ways:
 * - "kv-group": a KV head goes with its whole query group (q rows of its g heads, its k/v rows,
 *   and the o columns of its g heads); nKvHeads and nHeads shrink together, g stays;
 * - "query-head": the same number of query heads leaves every group; nKvHeads stays, g shrinks.
 *
 * Importance of query head h: Σ_{j ∈ head h} ||o[:, j]||² · ||a_j||², with a = o_proj's input
 * (the concatenated head outputs) over the calibration tokens — the squared size of the head's
 * contribution through o_proj (exact when its columns are orthogonal). A KV group scores the sum
 * of its query heads.
 */
import { expandRanges, highestIndices, keepColumns, keepEntries, keepRows } from "./shrink.js";
import type { WeightMatrix } from "../types.js";

export interface AttentionWeights {
  q: WeightMatrix;
  k: WeightMatrix;
  v: WeightMatrix;
  o: WeightMatrix;
  qBias?: Float32Array | null;
  kBias?: Float32Array | null;
  vBias?: Float32Array | null;
}

export interface HeadLayout {
  nHeads: number;
  nKvHeads: number;
  headDim: number;
}

export type HeadPruningUnit = "kv-group" | "query-head";

/** Per query head Σ_j ||o[:, j]||² · Σ_t a_tj² over the head's headDim columns. */
export function attentionHeadScores(o: WeightMatrix, oInputSumSquares: ArrayLike<number>, layout: HeadLayout): Float64Array {
  const { nHeads, headDim } = layout;
  if (o.cols !== nHeads * headDim) throw new RangeError(`attentionHeadScores: o_proj has ${o.cols} input columns, expected ${nHeads}x${headDim}`);
  if (oInputSumSquares.length !== o.cols) throw new RangeError(`attentionHeadScores: ${oInputSumSquares.length} input statistics for ${o.cols} columns`);
  const col = new Float64Array(o.cols);
  for (let r = 0; r < o.rows; r++) for (let j = 0; j < o.cols; j++) col[j] += o.data[r * o.cols + j]! ** 2;
  const out = new Float64Array(nHeads);
  for (let h = 0; h < nHeads; h++) for (let d = 0; d < headDim; d++) out[h] += col[h * headDim + d]! * oInputSumSquares[h * headDim + d]!;
  return out;
}

/** Which query heads and KV heads stay (increasing indices). */
export interface KeptHeads {
  queryHeads: Int32Array;
  kvHeads: Int32Array;
}

/**
 * Chooses the heads to keep: `remove` KV groups (unit "kv-group") or `remove` query heads from
 * every group (unit "query-head"), lowest scores first.
 */
export function selectHeads(headScores: ArrayLike<number>, layout: HeadLayout, unit: HeadPruningUnit, remove: number): KeptHeads {
  const { nHeads, nKvHeads } = layout;
  const g = nHeads / nKvHeads;
  if (!Number.isInteger(g)) throw new RangeError(`selectHeads: ${nHeads} query heads do not split into ${nKvHeads} KV groups`);
  if (headScores.length !== nHeads) throw new RangeError(`selectHeads: ${headScores.length} scores for ${nHeads} heads`);
  if (unit === "kv-group") {
    if (!Number.isInteger(remove) || remove < 0 || remove >= nKvHeads) throw new RangeError(`selectHeads: can remove 0..${nKvHeads - 1} of ${nKvHeads} KV groups, not ${remove}`);
    const groupScores = new Float64Array(nKvHeads);
    for (let h = 0; h < nHeads; h++) groupScores[Math.floor(h / g)] += headScores[h]!;
    const kvHeads = highestIndices(groupScores, nKvHeads - remove);
    return { kvHeads, queryHeads: expandRanges(kvHeads, g) };
  }
  if (!Number.isInteger(remove) || remove < 0 || remove >= g) throw new RangeError(`selectHeads: can remove 0..${g - 1} of the ${g} query heads of each group, not ${remove}`);
  const queryHeads: number[] = [];
  for (let kv = 0; kv < nKvHeads; kv++) {
    const inGroup = Array.from({ length: g }, (_, i) => headScores[kv * g + i]!);
    for (const i of highestIndices(inGroup, g - remove)) queryHeads.push(kv * g + i);
  }
  return { kvHeads: Int32Array.from({ length: nKvHeads }, (_, i) => i), queryHeads: Int32Array.from(queryHeads) };
}

/** q/k/v rows and o columns (and biases) of the kept heads; checks the GQA grouping stays uniform. */
export function shrinkAttention(w: AttentionWeights, layout: HeadLayout, kept: KeptHeads): AttentionWeights {
  const { nHeads, nKvHeads, headDim } = layout;
  const g = nHeads / nKvHeads;
  const g2 = kept.queryHeads.length / kept.kvHeads.length;
  if (!Number.isInteger(g2) || g2 < 1) throw new RangeError(`shrinkAttention: ${kept.queryHeads.length} query heads do not split evenly over ${kept.kvHeads.length} KV heads`);
  // Kept query head i must read kept KV head floor(i / g2): the kernels' mapping in the new model.
  kept.queryHeads.forEach((h, i) => {
    const kv = Math.floor(h / g);
    if (kv !== kept.kvHeads[Math.floor(i / g2)]) throw new RangeError(`shrinkAttention: query head ${h} reads KV head ${kv}, which would no longer be its KV head`);
  });
  const qRows = expandRanges(kept.queryHeads, headDim);
  const kvRows = expandRanges(kept.kvHeads, headDim);
  return {
    q: keepRows(w.q, qRows),
    k: keepRows(w.k, kvRows),
    v: keepRows(w.v, kvRows),
    o: keepColumns(w.o, qRows),
    qBias: w.qBias ? keepEntries(w.qBias, qRows) : w.qBias,
    kBias: w.kBias ? keepEntries(w.kBias, kvRows) : w.kBias,
    vBias: w.vBias ? keepEntries(w.vBias, kvRows) : w.vBias,
  };
}
