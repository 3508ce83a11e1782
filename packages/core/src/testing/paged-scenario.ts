/**
 * Builds paged-attention test cases: sequences of given lengths whose keys and values live in
 * shuffled physical pages of a pool, a block table with -1 past each sequence's last page, and a
 * ragged batch of query tokens (prefill chunks and decode tokens mixed). Every pool slot that no
 * sequence owns is NaN, so a kernel that reads an unmapped page or a slot past a sequence's end
 * produces NaN and fails its comparison. Optional holes (logical pages set back to -1 below a
 * token's own page, as cache eviction leaves them) have their pool pages filled with NaN too, so a
 * kernel that reads a hole fails the same way. Tests only; not exported from the package index.
 */
import type { PagedAttentionArgs } from "../backend/kernels.js";
import { pagedKvWrite } from "../ops/reference/attention.js";
import type { Rng } from "../tensor/rng.js";

export interface PagedScenarioOptions {
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  pageSize: number;
  /** Tokens already in each sequence's cache (keys and values at positions 0..len-1). */
  seqLens: number[];
  /** The query batch: each token's sequence and position (position < that sequence's length). */
  queries: Array<{ seq: number; pos: number }>;
  /** Pages in the pool beyond those the sequences use (never mapped; all NaN). */
  sparePages?: number;
  /** Logical pages evicted after the cache was filled: their block-table entries become -1. */
  holes?: Array<{ seq: number; page: number }>;
}

export interface PagedScenario {
  args: PagedAttentionArgs;
  /** Dense keys and values of each sequence, [len, nKvHeads, headDim]. */
  denseK: Float32Array[];
  denseV: Float32Array[];
  /** Whether position pos of sequence seq lies in an evicted page (absent from attention). */
  isHole(seq: number, pos: number): boolean;
}

/** Tokens t..t+n-1 of one sequence at consecutive positions: a prefill chunk. */
export function chunk(seq: number, firstPos: number, n: number): Array<{ seq: number; pos: number }> {
  return Array.from({ length: n }, (_, i) => ({ seq, pos: firstPos + i }));
}

function shuffle(rng: Rng, a: number[]): number[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export function buildPagedScenario(rng: Rng, o: PagedScenarioOptions): PagedScenario {
  const { nHeads, nKvHeads, headDim, pageSize, seqLens, queries } = o;
  const rowSize = nKvHeads * headDim;
  const pagesPerSeq = seqLens.map((len) => Math.ceil(len / pageSize));
  const maxPagesPerSeq = Math.max(1, ...pagesPerSeq) + 1; // at least one -1 entry at every row's end
  const usedPages = pagesPerSeq.reduce((a, b) => a + b, 0);
  const numPages = usedPages + (o.sparePages ?? 2);

  const physical = shuffle(rng, Array.from({ length: numPages }, (_, i) => i));
  const blockTable = new Int32Array(seqLens.length * maxPagesPerSeq).fill(-1);
  let next = 0;
  seqLens.forEach((_, s) => {
    for (let i = 0; i < pagesPerSeq[s]!; i++) blockTable[s * maxPagesPerSeq + i] = physical[next++]!;
  });

  const kPool = new Float32Array(numPages * pageSize * rowSize).fill(NaN);
  const vPool = new Float32Array(numPages * pageSize * rowSize).fill(NaN);
  const denseK: Float32Array[] = [];
  const denseV: Float32Array[] = [];
  seqLens.forEach((len, s) => {
    const k = rng.fillNormal(new Float32Array(len * rowSize));
    const v = rng.fillNormal(new Float32Array(len * rowSize));
    denseK.push(k);
    denseV.push(v);
    const slots = Int32Array.from({ length: len }, (_, p) => blockTable[s * maxPagesPerSeq + Math.floor(p / pageSize)]! * pageSize + (p % pageSize));
    pagedKvWrite({ kPool, vPool, k, v, slots, numTokens: len, nKvHeads, headDim });
  });

  const holeSet = new Set<string>();
  for (const { seq, page } of o.holes ?? []) {
    const entry = seq * maxPagesPerSeq + page;
    const physical = blockTable[entry]!;
    if (physical < 0) throw new Error(`hole at sequence ${seq} page ${page}: that page is not mapped`);
    const pageElems = pageSize * rowSize;
    kPool.fill(NaN, physical * pageElems, (physical + 1) * pageElems);
    vPool.fill(NaN, physical * pageElems, (physical + 1) * pageElems);
    blockTable[entry] = -1;
    holeSet.add(`${seq}:${page}`);
  }
  const isHole = (seq: number, pos: number): boolean => holeSet.has(`${seq}:${Math.floor(pos / pageSize)}`);

  const numTokens = queries.length;
  const args: PagedAttentionArgs = {
    out: new Float32Array(numTokens * nHeads * headDim),
    q: rng.fillNormal(new Float32Array(numTokens * nHeads * headDim)),
    kPool,
    vPool,
    blockTable,
    tokenSeq: Int32Array.from(queries, (t) => t.seq),
    tokenPos: Int32Array.from(queries, (t) => t.pos),
    numTokens,
    nHeads,
    nKvHeads,
    headDim,
    pageSize,
    maxPagesPerSeq,
    scale: 1 / Math.sqrt(headDim),
  };
  return { args, denseK, denseV, isHole };
}

/**
 * Causal attention over the dense per-sequence keys/values, computed naively in float64 over the
 * kept positions only (holes left out). With `heads`, the other heads' outputs are 0.
 */
export function denseCausalAttention(s: PagedScenario, heads?: Int32Array): Float64Array {
  const { q, tokenSeq, tokenPos, numTokens, nHeads, nKvHeads, headDim, scale } = s.args;
  const out = new Float64Array(numTokens * nHeads * headDim);
  const group = nHeads / nKvHeads;
  const selected = heads ? Array.from(heads) : Array.from({ length: nHeads }, (_, h) => h);
  for (let t = 0; t < numTokens; t++) {
    const seq = tokenSeq[t]!;
    const k = s.denseK[seq]!;
    const v = s.denseV[seq]!;
    const kept: number[] = [];
    for (let j = 0; j <= tokenPos[t]!; j++) if (!s.isHole(seq, j)) kept.push(j);
    for (const h of selected) {
      const kvh = Math.floor(h / group);
      const logits = kept.map((j) => {
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[(t * nHeads + h) * headDim + d]! * k[(j * nKvHeads + kvh) * headDim + d]!;
        return dot * scale;
      });
      const m = Math.max(...logits);
      const w = logits.map((l) => Math.exp(l - m));
      const z = w.reduce((a, b) => a + b, 0);
      for (let d = 0; d < headDim; d++) {
        let acc = 0;
        w.forEach((wj, i) => (acc += (wj / z) * v[(kept[i]! * nKvHeads + kvh) * headDim + d]!));
        out[(t * nHeads + h) * headDim + d] = acc;
      }
    }
  }
  return out;
}
