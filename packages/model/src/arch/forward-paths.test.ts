import type { PagedKvCache } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { tinyModel } from "../generate/tiny-model.fixture.js";
import type { PagedAttention } from "./attention.js";
import type { ForwardBatch } from "./batch.js";
import type { LlamaModel } from "./llama.js";
import type { SwiGluMlp } from "./mlp.js";

/**
 * LlamaModel.forward takes shortcuts on the decode path (cached scratch views and tap names, the
 * KV slots computed once per step, the final norm read straight from the hidden states when the
 * logit rows are 0..n-1). This checks, bit for bit, that it still computes exactly what a plain
 * composition of the backend's ops computes, over ragged prefill, batched decode, batch-1 decode
 * and permuted logit rows, with and without an activation tap listening.
 */

const PAGE = 4;
/** Each sequence's pages, deliberately scattered so that a wrong slot would show. */
const PAGES = [
  [5, 1, 8],
  [0, 3, 9],
  [2, 4, 6, 7],
];
const MAX_PAGES = 4;

interface Step {
  /** [sequence, token] per row. */
  rows: Array<[number, number]>;
  logitRows: number[];
}

/** Prefill (ragged), batched decode across a page boundary, batch-1 decode, permuted and partial logit rows. */
const STEPS: Step[] = [
  { rows: [[0, 5], [0, 9], [0, 11], [1, 7], [1, 3], [2, 4], [2, 8], [2, 12], [2, 13], [2, 20]], logitRows: [2, 4, 9] },
  { rows: [[0, 14], [1, 15], [2, 16]], logitRows: [0, 1, 2] },
  { rows: [[1, 17]], logitRows: [0] },
  { rows: [[0, 18], [1, 19], [2, 21]], logitRows: [2, 0] },
  { rows: [[0, 22], [1, 23], [2, 24]], logitRows: [0, 1, 2] },
  { rows: [[2, 25]], logitRows: [0] },
  { rows: [[0, 26], [1, 27], [2, 28], [0, 29]], logitRows: [0, 1, 2, 3] },
];

/** Turns the steps into ForwardBatches, tracking each sequence's length. */
function batches(): ForwardBatch[] {
  const lengths = PAGES.map(() => 0);
  const blockTable = new Int32Array(PAGES.length * MAX_PAGES).fill(-1);
  PAGES.forEach((pages, s) => blockTable.set(pages, s * MAX_PAGES));
  return STEPS.map((step) => {
    const positions = step.rows.map(([s]) => lengths[s]!++);
    return {
      tokens: Int32Array.from(step.rows, ([, t]) => t),
      positions: Int32Array.from(positions),
      tokenSeq: Int32Array.from(step.rows, ([s]) => s),
      blockTable,
      maxPagesPerSeq: MAX_PAGES,
      logitRows: Int32Array.from(step.logitRows),
    };
  });
}

function kvFor(model: LlamaModel): PagedKvCache {
  return model.createKvCache(10, PAGE);
}

/** The forward pass spelled out op by op, with fresh buffers, the way LlamaModel computes it. */
function plainForward(model: LlamaModel, batch: ForwardBatch, kv: PagedKvCache): Float32Array {
  const c = model.config;
  const be = model.backend;
  const rows = batch.tokens.length;
  const x = new Float32Array(rows * c.dim);
  const h = new Float32Array(rows * c.dim);
  const y = new Float32Array(rows * c.dim);
  be.embedding(x, model.embed.data, model.embed.dtype, batch.tokens, c.dim);
  model.layers.forEach((block, layer) => {
    const attn = block.attn as PagedAttention;
    const mlp = block.mlp as SwiGluMlp;
    const { nHeads, nKvHeads, headDim, invFreq, ropeStyle } = attn.shape;
    be.rmsNorm(h, x, block.attnNorm, rows, c.dim, c.normEps);
    const q = new Float32Array(rows * nHeads * headDim);
    const k = new Float32Array(rows * nKvHeads * headDim);
    const v = new Float32Array(rows * nKvHeads * headDim);
    attn.q.forward(q, h, rows);
    attn.k.forward(k, h, rows);
    attn.v.forward(v, h, rows);
    be.rope(q, batch.positions, rows, nHeads, headDim, invFreq, ropeStyle);
    be.rope(k, batch.positions, rows, nKvHeads, headDim, invFreq, ropeStyle);
    const slots = new Int32Array(rows);
    for (let t = 0; t < rows; t++) {
      const pos = batch.positions[t]!;
      const page = batch.blockTable[batch.tokenSeq[t]! * batch.maxPagesPerSeq + Math.floor(pos / kv.pageSize)]!;
      slots[t] = page * kv.pageSize + (pos % kv.pageSize);
    }
    be.pagedKvWrite({ kPool: kv.k[layer]!, vPool: kv.v[layer]!, k, v, slots, numTokens: rows, nKvHeads, headDim });
    const out = new Float32Array(rows * nHeads * headDim);
    be.pagedAttention({
      out, q, kPool: kv.k[layer]!, vPool: kv.v[layer]!, blockTable: batch.blockTable, tokenSeq: batch.tokenSeq, tokenPos: batch.positions,
      numTokens: rows, nHeads, nKvHeads, headDim, pageSize: kv.pageSize, maxPagesPerSeq: batch.maxPagesPerSeq, scale: 1 / Math.sqrt(headDim),
    });
    attn.o.forward(y, out, rows);
    be.add(x, x, y);
    be.rmsNorm(h, x, block.mlpNorm, rows, c.dim, c.normEps);
    const g = new Float32Array(rows * mlp.hiddenDim);
    const u = new Float32Array(rows * mlp.hiddenDim);
    mlp.gate.forward(g, h, rows);
    mlp.up.forward(u, h, rows);
    be.swiglu(g, g, u);
    mlp.down.forward(y, g, rows);
    be.add(x, x, y);
  });
  const r = batch.logitRows.length;
  const picked = new Float32Array(r * c.dim);
  for (let j = 0; j < r; j++) picked.set(x.subarray(batch.logitRows[j]! * c.dim, (batch.logitRows[j]! + 1) * c.dim), j * c.dim);
  be.rmsNorm(picked, picked, model.finalNorm, r, c.dim, c.normEps);
  const logits = new Float32Array(r * c.vocabSize);
  model.lmHead.forward(logits, picked, r);
  return logits;
}

/** The float bits, so that -0 vs 0 or a NaN payload would count as a difference. */
function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe("LlamaModel.forward", () => {
  it.each([
    ["MHA, interleaved RoPE", { nKvHeads: 4 }],
    ["GQA 4:2, half RoPE, qkv bias", { nKvHeads: 2, rope: { theta: 10000, style: "half" as const, rotaryDim: 8 }, qkvBias: true }],
  ])("gives the same bits as the plain op-by-op forward, step after step (%s)", (_, overrides) => {
    const model = tinyModel(7, overrides);
    const plainKv = kvFor(model);
    const fastKv = kvFor(model);
    const tappedKv = kvFor(model);
    let tapped = 0;
    for (const batch of batches()) {
      const expected = plainForward(model, batch, plainKv);
      const fast = model.forward(batch, fastKv).slice();
      const off = model.taps.on("*", () => void tapped++);
      const withTap = model.forward(batch, tappedKv).slice();
      off();
      expect(bits(fast)).toEqual(bits(expected));
      expect(bits(withTap)).toEqual(bits(expected));
    }
    expect(tapped).toBeGreaterThan(0);
  });

  it("emits every tap point, per layer and projection, with the step's rows", () => {
    const model = tinyModel(8);
    const kv = kvFor(model);
    const seen = new Map<string, number>();
    const off = model.taps.on("*", (point, _x, rows) => void seen.set(point, rows));
    model.forward(batches()[0]!, kv);
    off();
    expect(seen.get("layers.1.input")).toBe(10);
    expect(seen.get("layers.0.self_attn.q_proj")).toBe(10);
    expect(seen.get("layers.1.self_attn.o_proj")).toBe(10);
    expect(seen.get("layers.0.mlp.down_proj")).toBe(10);
    expect(seen.get("final.input")).toBe(3);
    expect(seen.get("lm_head")).toBe(3);
    expect(seen.size).toBe(2 * 8 + 2);
  });
});
