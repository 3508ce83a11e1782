import type { LinearLayer, PagedAttentionArgs, PagedKvWriteArgs, RopeStyle } from "@sieve/core";
import type { ForwardBatch } from "./batch.js";
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
  /** Tap points of the four projections, built once rather than per call. */
  private readonly tapPoints: { q: string; k: string; v: string; o: string };

  constructor(
    readonly path: string,
    readonly shape: AttentionShape,
    public q: LinearLayer,
    public k: LinearLayer,
    public v: LinearLayer,
    public o: LinearLayer,
  ) {
    this.tapPoints = { q: `${path}.q_proj`, k: `${path}.k_proj`, v: `${path}.v_proj`, o: `${path}.o_proj` };
  }

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const { nHeads, nKvHeads, headDim } = this.shape;
    const { scratch, rows } = ctx;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;
    const q = scratch.floats("attn.q", rows * qDim);
    const k = scratch.floats("attn.k", rows * kvDim);
    const v = scratch.floats("attn.v", rows * kvDim);
    const tap = this.tapPoints;
    runLinear(tap.q, this.q, q, x, ctx);
    runLinear(tap.k, this.k, k, x, ctx);
    runLinear(tap.v, this.v, v, x, ctx);
    const attn = ropeCacheAndAttend(this.shape, q, k, v, ctx, "attn");
    runLinear(tap.o, this.o, out, attn, ctx);
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
  /** Query heads to compute (strictly increasing; see PagedAttentionArgs.heads); omitted = all. */
  heads?: Int32Array,
): Float32Array {
  const { nHeads, nKvHeads, headDim, invFreq, ropeStyle } = shape;
  const { batch, kv, backend, scratch, rows, layer } = ctx;
  backend.rope(q, batch.positions, rows, nHeads, headDim, invFreq, ropeStyle);
  backend.rope(k, batch.positions, rows, nKvHeads, headDim, invFreq, ropeStyle);

  const names = scratchNames(scratchPrefix);
  const slots = (ctx.kvSlots ??= kvSlotsOf(batch, kv.pageSize, scratch.ints(names.slots, rows)));
  const kPool = kv.k[layer]!;
  const vPool = kv.v[layer]!;
  const w = kvWriteArgs;
  w.kPool = kPool;
  w.vPool = vPool;
  w.k = k;
  w.v = v;
  w.slots = slots;
  w.numTokens = rows;
  w.nKvHeads = nKvHeads;
  w.headDim = headDim;
  try {
    backend.pagedKvWrite(w);
  } finally {
    w.kPool = w.vPool = w.k = w.v = NO_FLOATS;
    w.slots = NO_INTS;
  }

  const attn = scratch.floats(names.out, rows * nHeads * headDim);
  const a = attendArgs;
  a.out = attn;
  a.q = q;
  a.kPool = kPool;
  a.vPool = vPool;
  a.blockTable = batch.blockTable;
  a.tokenSeq = batch.tokenSeq;
  a.tokenPos = batch.positions;
  a.numTokens = rows;
  a.nHeads = nHeads;
  a.nKvHeads = nKvHeads;
  a.headDim = headDim;
  a.pageSize = kv.pageSize;
  a.maxPagesPerSeq = batch.maxPagesPerSeq;
  a.scale = 1 / Math.sqrt(headDim);
  a.heads = heads;
  try {
    backend.pagedAttention(a);
  } finally {
    a.out = a.q = a.kPool = a.vPool = NO_FLOATS;
    a.blockTable = a.tokenSeq = a.tokenPos = NO_INTS;
    a.heads = undefined;
  }
  return attn;
}

/*
 * The two attention ops take their arguments as objects; one object each, refilled per call,
 * spares a decode step two allocations per layer. The kernels run synchronously and keep no
 * reference, and the array fields are emptied after each call so that these module-level
 * objects never keep a dropped KV cache (or a model's buffers) alive.
 */
const NO_FLOATS = new Float32Array(0);
const NO_INTS = new Int32Array(0);
const kvWriteArgs: PagedKvWriteArgs = { kPool: NO_FLOATS, vPool: NO_FLOATS, k: NO_FLOATS, v: NO_FLOATS, slots: NO_INTS, numTokens: 0, nKvHeads: 0, headDim: 0 };
const attendArgs: PagedAttentionArgs = {
  out: NO_FLOATS, q: NO_FLOATS, kPool: NO_FLOATS, vPool: NO_FLOATS, blockTable: NO_INTS, tokenSeq: NO_INTS, tokenPos: NO_INTS,
  numTokens: 0, nHeads: 0, nKvHeads: 0, headDim: 0, pageSize: 0, maxPagesPerSeq: 0, scale: 0,
};

/** slots[t] = the pool slot (page * pageSize + offset in page) that token row t's K/V go to. */
function kvSlotsOf(batch: ForwardBatch, pageSize: number, slots: Int32Array): Int32Array {
  const { positions, tokenSeq, blockTable, maxPagesPerSeq } = batch;
  for (let t = 0; t < slots.length; t++) {
    const pos = positions[t]!;
    const page = blockTable[tokenSeq[t]! * maxPagesPerSeq + Math.floor(pos / pageSize)]!;
    slots[t] = page * pageSize + (pos % pageSize);
  }
  return slots;
}

/** Scratch buffer names per prefix, built once: a template string per call would cost a concat and a hash. */
const namesByPrefix = new Map<string, { slots: string; out: string }>();

function scratchNames(prefix: string): { slots: string; out: string } {
  let names = namesByPrefix.get(prefix);
  if (names === undefined) {
    names = { slots: `${prefix}.slots`, out: `${prefix}.out` };
    namesByPrefix.set(prefix, names);
  }
  return names;
}
