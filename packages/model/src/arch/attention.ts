import type { LinearLayer, RopeStyle } from "@sieve/core";
import { runLinear, type AttentionModule, type StepContext } from "./modules.js";

export interface AttentionShape {
  dim: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  ropeStyle: RopeStyle;
  /** Inverse RoPE frequencies (rotaryDim / 2 of them, scaling folded in). */
  invFreq: Float32Array;
}

/**
 * Llama-family attention over the paged KV cache: q/k/v projections (each a swappable linear
 * slot), RoPE, writing this step's K/V into their pages, causal GQA attention, output projection.
 */
export class PagedAttention implements AttentionModule {
  readonly kind = "paged-gqa";

  constructor(
    readonly path: string,
    readonly shape: AttentionShape,
    public q: LinearLayer,
    public k: LinearLayer,
    public v: LinearLayer,
    public o: LinearLayer,
  ) {}

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const { nHeads, nKvHeads, headDim } = this.shape;
    const { scratch, rows } = ctx;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;
    const q = scratch.floats("attn.q", rows * qDim);
    const k = scratch.floats("attn.k", rows * kvDim);
    const v = scratch.floats("attn.v", rows * kvDim);
    runLinear(`${this.path}.q_proj`, this.q, q, x, ctx);
    runLinear(`${this.path}.k_proj`, this.k, k, x, ctx);
    runLinear(`${this.path}.v_proj`, this.v, v, x, ctx);
    const attn = ropeCacheAndAttend(this.shape, q, k, v, ctx, "attn");
    runLinear(`${this.path}.o_proj`, this.o, out, attn, ctx);
  }
}

/**
 * The part of attention every variant shares once q/k/v are projected: RoPE on q and k, this
 * step's K/V written into their pages, then causal GQA attention over the paged cache. Returns
 * the attention output [rows, nHeads * headDim] (a scratch buffer named `${scratchPrefix}.out`).
 */
export function ropeCacheAndAttend(
  shape: AttentionShape,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  ctx: StepContext,
  scratchPrefix: string,
): Float32Array {
  const { nHeads, nKvHeads, headDim, invFreq, ropeStyle } = shape;
  const { batch, kv, backend, scratch, rows, layer } = ctx;
  backend.rope(q, batch.positions, rows, nHeads, headDim, invFreq, ropeStyle);
  backend.rope(k, batch.positions, rows, nKvHeads, headDim, invFreq, ropeStyle);

  const slots = scratch.ints(`${scratchPrefix}.slots`, rows);
  for (let t = 0; t < rows; t++) {
    const pos = batch.positions[t]!;
    const page = batch.blockTable[batch.tokenSeq[t]! * batch.maxPagesPerSeq + Math.floor(pos / kv.pageSize)]!;
    slots[t] = page * kv.pageSize + (pos % kv.pageSize);
  }
  backend.pagedKvWrite({ kPool: kv.k[layer]!, vPool: kv.v[layer]!, k, v, slots, numTokens: rows, nKvHeads, headDim });

  const attn = scratch.floats(`${scratchPrefix}.out`, rows * nHeads * headDim);
  backend.pagedAttention({
    out: attn,
    q,
    kPool: kv.k[layer]!,
    vPool: kv.v[layer]!,
    blockTable: batch.blockTable,
    tokenSeq: batch.tokenSeq,
    tokenPos: batch.positions,
    numTokens: rows,
    nHeads,
    nKvHeads,
    headDim,
    pageSize: kv.pageSize,
    maxPagesPerSeq: batch.maxPagesPerSeq,
    scale: 1 / Math.sqrt(headDim),
  });
  return attn;
}
