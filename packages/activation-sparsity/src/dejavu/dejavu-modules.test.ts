import { DenseLinear, Rng, getBackend } from "@sieve/core";
import { PagedAttention, type SwiGluMlp } from "@sieve/model";
import { describe, expect, it } from "vitest";
import { applyDejaVu } from "./apply.js";
import type { DejaVuAttention } from "./dejavu-attention.js";
import { DejaVuMlp } from "./dejavu-mlp.js";
import { topIndices } from "./labels.js";
import { predictorSourceBlock } from "./predictors.js";
import type { DejaVuSelectEvent } from "./runtime.js";
import { decodeLogits, prefillLogits, randomPredictors, stepContext, tinyModel } from "./tiny-model.fixture.js";

const silu = (v: number): number => v / (1 + Math.exp(-v));
/** "auto" runs the package's native activation-sparse kernels when the addon has them. */
const KERNELS = ["auto", "typescript"] as const;

/** The dense SwiGLU of one row in f64, with only the neurons in `keep` contributing. */
function maskedMlpRow(mlp: SwiGluMlp, x: Float32Array, keep: Set<number>): number[] {
  const gate = (mlp.gate as DenseLinear).weight as Float32Array;
  const up = (mlp.up as DenseLinear).weight as Float32Array;
  const down = (mlp.down as DenseLinear).weight as Float32Array;
  const dim = mlp.gate.inFeatures;
  const hidden = mlp.hiddenDim;
  const out = new Array<number>(dim).fill(0);
  for (const j of keep) {
    let g = 0;
    let u = 0;
    for (let i = 0; i < dim; i++) {
      g += gate[j * dim + i]! * x[i]!;
      u += up[j * dim + i]! * x[i]!;
    }
    for (let o = 0; o < dim; o++) out[o]! += silu(g) * u * down[o * hidden + j]!;
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
}

describe("applyDejaVu", () => {
  const tokens = [1, 5, 9, 22, 7, 30, 11, 4];

  it("with budget 100% is exactly the dense model (prefill and decode), and restore() puts the dense modules back", () => {
    const { model, config } = tinyModel(3);
    const dense = prefillLogits(model, tokens);
    const denseDecode = decodeLogits(model, tokens);
    const originals = model.layers.map((l) => [l.attn, l.mlp]);
    for (const batchPolicy of ["union", "per-token"] as const) {
      const handle = applyDejaVu(model, randomPredictors(config, 1), { mlpBudget: 1, headBudget: 1, batchPolicy });
      expect(model.layers[0]!.mlp).toBeInstanceOf(DejaVuMlp);
      expect(Array.from(prefillLogits(model, tokens))).toEqual(Array.from(dense));
      expect(Array.from(decodeLogits(model, tokens))).toEqual(Array.from(denseDecode));
      handle.restore();
    }
    expect(model.layers.map((l) => [l.attn, l.mlp])).toEqual(originals);
  });

  it.each(KERNELS)("the sparse MLP equals the dense MLP computed on the selected neurons only (batch union and per token; %s kernels)", (kernel) => {
    const { model, config } = tinyModel(4);
    for (const batchPolicy of ["union", "per-token"] as const) {
      const events: DejaVuSelectEvent[] = [];
      const handle = applyDejaVu(model, randomPredictors(config, 2), {
        mlpBudget: 0.25,
        headBudget: 1,
        batchPolicy,
        denseAboveRows: 16,
        kernel,
        onSelect: (e) => events.push({ ...e, selection: { ...e.selection, indices: e.selection.indices.slice() } }),
      });
      const mlp = model.layers[1]!.mlp as DejaVuMlp;
      const rows = 3;
      const ctx = stepContext(model, rows, 1);
      const rng = new Rng(9);
      handle.runtime.board.write(1, ctx, config.hiddenDim, 0).mlp.set(rng.fillNormal(new Float32Array(rows * config.hiddenDim)));
      const x = rng.fillNormal(new Float32Array(rows * config.dim));
      const out = new Float32Array(rows * config.dim);
      mlp.forward(out, x, ctx);
      const sel = events[0]!.selection;
      const k = Math.round(0.25 * config.hiddenDim);
      expect(sel.k).toBe(k);
      for (let t = 0; t < rows; t++) {
        const keep = new Set(sel.perRow ? sel.indices.subarray(t * k, (t + 1) * k) : sel.indices.subarray(0, sel.count));
        expectClose(out.subarray(t * config.dim, (t + 1) * config.dim), maskedMlpRow(mlp.dense, x.subarray(t * config.dim), keep), 1e-4);
      }
      if (!sel.perRow) expect(sel.count).toBeGreaterThan(k);
      if (kernel === "typescript") expect(handle.kernels.mlp).toMatch(/^typescript:/);
      handle.restore();
    }
  });

  it.each(KERNELS)("sparse attention equals dense attention without the skipped heads, and still writes K/V of every KV head (%s kernels)", (kernel) => {
    const { model, config } = tinyModel(5);
    const handle = applyDejaVu(model, randomPredictors(config, 3), { mlpBudget: 1, headBudget: 0.5, batchPolicy: "union", denseAboveRows: 16, kernel });
    const attn = model.layers[1]!.attn as DejaVuAttention;
    const rows = 5;
    const keep = [0, 3];
    const sparseCtx = stepContext(model, rows, 1);
    const scores = handle.runtime.board.write(1, sparseCtx, 0, config.nHeads).heads;
    for (let t = 0; t < rows; t++) for (const h of keep) scores[t * config.nHeads + h] = 10;
    const x = new Rng(10).fillNormal(new Float32Array(rows * config.dim));
    const out = new Float32Array(rows * config.dim);
    attn.forward(out, x, sparseCtx);

    // Reference: the dense module with the skipped heads' columns of W_o zeroed.
    const d = attn.dense;
    const o = Float32Array.from((d.o as DenseLinear).weight as Float32Array);
    const qDim = config.nHeads * config.headDim;
    for (let r = 0; r < config.dim; r++) for (let i = 0; i < qDim; i++) if (!keep.includes(Math.floor(i / config.headDim))) o[r * qDim + i] = 0;
    const masked = new PagedAttention(d.path, d.shape, d.q, d.k, d.v, new DenseLinear(o, "f32", config.dim, qDim, null, getBackend));
    const denseCtx = stepContext(model, rows, 1);
    const expected = new Float32Array(rows * config.dim);
    masked.forward(expected, x, denseCtx);
    expectClose(out, expected, 1e-4);
    expect(Array.from(sparseCtx.kv.k[1]!)).toEqual(Array.from(denseCtx.kv.k[1]!));
    expect(Array.from(sparseCtx.kv.v[1]!)).toEqual(Array.from(denseCtx.kv.v[1]!));
    handle.restore();
  });

  it.each(KERNELS)("block k's predictions come from block k-1's input (swapping in block k's own input would select other neurons; %s kernels)", (kernel) => {
    const { model, config } = tinyModel(6);
    const predictors = randomPredictors(config, 4);
    const inputs: Float32Array[] = [];
    for (let b = 0; b < config.nLayers; b++) model.taps.on(`layers.${b}.self_attn.q_proj`, (_p, x, n, cols) => (inputs[b] = x.slice(0, n * cols)));
    const selected: Int32Array[] = [];
    applyDejaVu(model, predictors, { mlpBudget: 0.5, headBudget: 1, batchPolicy: "per-token", kernel, onSelect: (e) => (selected[e.block] = e.selection.indices.slice()) });
    prefillLogits(model, tokens);

    const rows = tokens.length;
    const n = config.hiddenDim;
    const k = n / 2;
    const topSets = (block: number, input: Float32Array): string[] => {
      const scores = new Float32Array(rows * n);
      // The same kernel path the runtime uses, so near-ties rank alike.
      predictors.blocks[block]!.mlp.scoresOn(getBackend(), scores, input, rows, new Float32Array(rows * 64));
      return Array.from({ length: rows }, (_, t) => [...topIndices(scores.subarray(t * n, (t + 1) * n), k)].sort((a, b) => a - b).join(","));
    };
    const actual = (block: number): string[] =>
      Array.from({ length: rows }, (_, t) => [...selected[block]!.subarray(t * k, (t + 1) * k)].sort((a, b) => a - b).join(","));
    for (let block = 0; block < config.nLayers; block++) {
      expect(actual(block)).toEqual(topSets(block, inputs[predictorSourceBlock(block)]!));
      if (block > 0) expect(actual(block)).not.toEqual(topSets(block, inputs[block]!));
    }
  });

  it("unions a small batch's selections and runs dense above denseAboveRows", () => {
    const { model, config } = tinyModel(7);
    const dense = prefillLogits(model, tokens);
    const handle = applyDejaVu(model, randomPredictors(config, 5), { mlpBudget: 0.5, headBudget: 0.5, denseAboveRows: 4 });
    // 8 rows > 4: the whole prefill is dense, bit for bit.
    expect(Array.from(prefillLogits(model, tokens))).toEqual(Array.from(dense));
    expect(handle.stats.sparseSteps).toBe(0);
    // One row at a time: sparse, and different from dense.
    const decoded = decodeLogits(model, tokens);
    expect(handle.stats.sparseSteps).toBe(tokens.length);
    expect(handle.stats.mlpNeuronsComputed).toBeLessThan(handle.stats.mlpNeuronsDense);
    expect(Array.from(decoded)).not.toEqual(Array.from(decodeLogits(tinyModel(7).model, tokens)));
  });

  it("refuses predictors made for another model, and a block whose predictions were never posted", () => {
    const { model, config } = tinyModel(8);
    expect(() => applyDejaVu(model, randomPredictors({ ...config, hiddenDim: 60 }, 1))).toThrow(/hiddenDim = 60/);
    const handle = applyDejaVu(model, randomPredictors(config, 1), { mlpBudget: 0.5 });
    const ctx = stepContext(model, 1, 2);
    expect(() => (model.layers[2]!.mlp as DejaVuMlp).forward(new Float32Array(config.dim), new Float32Array(config.dim), ctx)).toThrow(/no mlp prediction for block 2/);
    handle.restore();
    expect(() => applyDejaVu(model, randomPredictors(config, 1), { mlpBudget: 0 })).toThrow(/budget/);
  });
});
