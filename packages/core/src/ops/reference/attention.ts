/**
 * Reference paged KV-cache kernels: writing new keys/values into pool slots, and causal
 * attention of a ragged batch of query tokens over their sequences' pages.
 *
 * A pool is [numPages, pageSize, nKvHeads, headDim]; the slot of a token is
 * page * pageSize + offsetInPage, so slot s is simply row s of the pool viewed as
 * [numPages * pageSize, nKvHeads * headDim]. A block-table row maps a sequence's logical page
 * i (positions i * pageSize ...) to a physical page id (-1 = unmapped). A -1 page below a
 * token's own page is a hole (an evicted page): attention skips its positions.
 */
import type { PagedAttentionArgs, PagedKvWriteArgs } from "../../backend/kernels.js";
import { requireF32, requireFinite, requireI32, requireLength, requirePositive, requireSize } from "./validate.js";

/** Copies k[t] and v[t] ([nKvHeads, headDim] each) into pool row slots[t]. */
export function pagedKvWrite(args: PagedKvWriteArgs): void {
  const op = "pagedKvWrite";
  const { kPool, vPool, k, v, slots, numTokens, nKvHeads, headDim } = args;
  requireF32(op, "kPool", kPool);
  requireF32(op, "vPool", vPool);
  requireF32(op, "k", k);
  requireF32(op, "v", v);
  requireI32(op, "slots", slots);
  requireSize(op, "numTokens", numTokens);
  requirePositive(op, "nKvHeads", nKvHeads);
  requirePositive(op, "headDim", headDim);
  const rowSize = nKvHeads * headDim;
  requireLength(op, "k", k, numTokens * rowSize);
  requireLength(op, "v", v, numTokens * rowSize);
  requireLength(op, "slots", slots, numTokens);
  const poolRows = Math.floor(Math.min(kPool.length, vPool.length) / rowSize);
  for (let t = 0; t < numTokens; t++) {
    const s = slots[t]!;
    if (s < 0 || s >= poolRows) throw new RangeError(`${op}: slots[${t}] = ${s} is outside the pool's ${poolRows} slots`);
  }
  for (let t = 0; t < numTokens; t++) {
    const dst = slots[t]! * rowSize;
    kPool.set(k.subarray(t * rowSize, (t + 1) * rowSize), dst);
    vPool.set(v.subarray(t * rowSize, (t + 1) * rowSize), dst);
  }
}

/** Shape facts every caller of the paged layout needs, checked once. */
interface PagedGeometry {
  numPages: number;
  numSeqs: number;
  /** Query heads per KV head. */
  group: number;
  /** The query heads to compute, increasing (all of them without a subset). */
  heads: Int32Array;
}

/**
 * Validates the arguments of pagedAttention: every page a token reads must be a page of the pools,
 * a -1 below the token's own page is a hole (skipped), and the token's own page must be mapped;
 * the optional head subset must be strictly increasing ids in [0, nHeads).
 */
export function checkPagedAttention(args: PagedAttentionArgs): PagedGeometry {
  const op = "pagedAttention";
  const { out, q, kPool, vPool, blockTable, tokenSeq, tokenPos } = args;
  const { numTokens, nHeads, nKvHeads, headDim, pageSize, maxPagesPerSeq, scale } = args;
  requireF32(op, "out", out);
  requireF32(op, "q", q);
  requireF32(op, "kPool", kPool);
  requireF32(op, "vPool", vPool);
  requireI32(op, "blockTable", blockTable);
  requireI32(op, "tokenSeq", tokenSeq);
  requireI32(op, "tokenPos", tokenPos);
  requireSize(op, "numTokens", numTokens);
  requirePositive(op, "nHeads", nHeads);
  requirePositive(op, "nKvHeads", nKvHeads);
  requirePositive(op, "headDim", headDim);
  requirePositive(op, "pageSize", pageSize);
  requireSize(op, "maxPagesPerSeq", maxPagesPerSeq);
  requireFinite(op, "scale", scale);
  if (nHeads % nKvHeads !== 0) throw new RangeError(`${op}: nHeads ${nHeads} is not a multiple of nKvHeads ${nKvHeads}`);
  requireLength(op, "q", q, numTokens * nHeads * headDim);
  requireLength(op, "out", out, numTokens * nHeads * headDim);
  requireLength(op, "tokenSeq", tokenSeq, numTokens);
  requireLength(op, "tokenPos", tokenPos, numTokens);

  const pageElems = pageSize * nKvHeads * headDim;
  const numPages = Math.floor(Math.min(kPool.length, vPool.length) / pageElems);
  const numSeqs = maxPagesPerSeq === 0 ? 0 : Math.floor(blockTable.length / maxPagesPerSeq);
  for (let t = 0; t < numTokens; t++) {
    const seq = tokenSeq[t]!;
    const pos = tokenPos[t]!;
    if (seq < 0 || seq >= numSeqs) throw new RangeError(`${op}: tokenSeq[${t}] = ${seq} is outside the block table's ${numSeqs} rows`);
    if (pos < 0 || pos >= maxPagesPerSeq * pageSize) {
      throw new RangeError(`${op}: tokenPos[${t}] = ${pos} is outside [0, ${maxPagesPerSeq * pageSize}) (maxPagesPerSeq * pageSize)`);
    }
    const lastPage = Math.floor(pos / pageSize);
    for (let i = 0; i <= lastPage; i++) {
      const page = blockTable[seq * maxPagesPerSeq + i]!;
      const hole = page === -1 && i < lastPage;
      if (!hole && (page < 0 || page >= numPages)) {
        throw new RangeError(
          `${op}: token ${t} (sequence ${seq}, position ${pos}) needs logical page ${i}, but blockTable holds ${page} ` +
            `(the pools have ${numPages} pages)`,
        );
      }
    }
  }
  let heads: Int32Array;
  if (args.heads === undefined) {
    heads = Int32Array.from({ length: nHeads }, (_, h) => h);
  } else {
    requireI32(op, "heads", args.heads);
    heads = args.heads;
    heads.forEach((h, i) => {
      if (!(h >= 0 && h < nHeads) || (i > 0 && h <= heads[i - 1]!)) {
        throw new RangeError(`${op}: heads[${i}] = ${h} must be in [0, ${nHeads}) and greater than the previous entry (sorted, no repeats)`);
      }
    });
  }
  return { numPages, numSeqs, group: nHeads / nKvHeads, heads };
}

/**
 * out[t, h] = sum_j softmax_j(scale * q[t, h] . K[j]) V[j] over the positions j = 0..tokenPos[t]
 * of sequence tokenSeq[t] whose page is mapped (holes skipped), with K and V from KV head
 * floor(h / (nHeads / nKvHeads)). With `heads`, only those heads are computed and every other
 * head's output is zero. Computed directly in float64: gather the kept keys, take the full
 * softmax, sum the values.
 */
export function pagedAttention(args: PagedAttentionArgs): void {
  const { group, heads } = checkPagedAttention(args);
  const { out, q, kPool, vPool, blockTable, tokenSeq, tokenPos, numTokens, nHeads, nKvHeads, headDim, pageSize, maxPagesPerSeq, scale } =
    args;

  /** Offset of (position j of sequence seq, KV head kvh) in a pool, or -1 inside a hole. */
  const poolOffset = (seq: number, j: number, kvh: number): number => {
    const page = blockTable[seq * maxPagesPerSeq + Math.floor(j / pageSize)]!;
    return page < 0 ? -1 : ((page * pageSize + (j % pageSize)) * nKvHeads + kvh) * headDim;
  };

  if (heads.length < nHeads) out.fill(0, 0, numTokens * nHeads * headDim);
  for (let t = 0; t < numTokens; t++) {
    const seq = tokenSeq[t]!;
    const len = tokenPos[t]! + 1;
    for (const h of heads) {
      const kvh = Math.floor(h / group);
      const qOff = (t * nHeads + h) * headDim;
      const kept: number[] = []; // pool offsets of the visible positions
      for (let j = 0; j < len; j++) {
        const off = poolOffset(seq, j, kvh);
        if (off >= 0) kept.push(off);
      }
      const scores = new Float64Array(kept.length);
      let max = -Infinity;
      kept.forEach((kOff, i) => {
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[qOff + d]! * kPool[kOff + d]!;
        scores[i] = scale * dot;
        max = Math.max(max, scores[i]!);
      });
      let sum = 0;
      for (let i = 0; i < kept.length; i++) {
        scores[i] = Math.exp(scores[i]! - max);
        sum += scores[i]!;
      }
      const acc = new Float64Array(headDim);
      kept.forEach((vOff, i) => {
        const p = scores[i]! / sum;
        for (let d = 0; d < headDim; d++) acc[d] += p * vPool[vOff + d]!;
      });
      for (let d = 0; d < headDim; d++) out[qOff + d] = acc[d]!;
    }
  }
}
