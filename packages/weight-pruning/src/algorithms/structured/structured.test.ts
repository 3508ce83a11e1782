import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { randomWeight } from "../test-data.fixture.js";
import { attentionHeadScores, selectHeads, shrinkAttention } from "./attention-heads.js";
import { blockInfluence, blocksToRemove } from "./blocks.js";
import { mlpChannelScores, selectMlpChannels, shrinkMlp } from "./mlp-channels.js";

describe("structured pruning algorithms", () => {
  const rng = new Rng(4);

  it("MLP channels: removes the neurons with the smallest ||down[:, j]||·||h_j|| and shrinks gate/up rows and down columns", () => {
    const gate = randomWeight(rng, 10, 6);
    const up = randomWeight(rng, 10, 6);
    const down = randomWeight(rng, 6, 10);
    const hSq = Float64Array.from({ length: 10 }, (_, j) => (j === 2 || j === 7 ? 1e-6 : 1 + j));
    const kept = selectMlpChannels(mlpChannelScores(down, hSq), 8);
    expect([...kept]).toEqual([0, 1, 3, 4, 5, 6, 8, 9]);
    const s = shrinkMlp({ gate, up, down }, kept);
    expect([s.gate.rows, s.gate.cols, s.up.rows, s.down.rows, s.down.cols]).toEqual([8, 6, 8, 6, 8]);
    expect(s.down.data[1 * 8 + 2]).toBe(down.data[1 * 10 + 3]);
    expect([...s.gate.data.subarray(2 * 6, 3 * 6)]).toEqual([...gate.data.subarray(3 * 6, 4 * 6)]);
  });

  it("attention heads: a KV group leaves with all its query heads; per-group removal keeps GQA uniform", () => {
    const layout = { nHeads: 8, nKvHeads: 4, headDim: 2 };
    const o = randomWeight(rng, 5, 16);
    const aSq = Float64Array.from({ length: 16 }, (_, j) => (j >= 4 && j < 8 ? 1e-8 : 1)); // heads 2, 3 (group 1) are quiet
    const scores = attentionHeadScores(o, aSq, layout);
    const byGroup = selectHeads(scores, layout, "kv-group", 1);
    expect([...byGroup.kvHeads]).toEqual([0, 2, 3]);
    expect([...byGroup.queryHeads]).toEqual([0, 1, 4, 5, 6, 7]);
    const w = { q: randomWeight(rng, 16, 5), k: randomWeight(rng, 8, 5), v: randomWeight(rng, 8, 5), o, kBias: new Float32Array(8).map((_, i) => i) };
    const s = shrinkAttention(w, layout, byGroup);
    expect([s.q.rows, s.k.rows, s.v.rows, s.o.cols]).toEqual([12, 6, 6, 12]);
    expect([...s.kBias!]).toEqual([0, 1, 4, 5, 6, 7]);
    const perGroup = selectHeads(scores, layout, "query-head", 1);
    expect(perGroup.kvHeads.length).toBe(4);
    expect(perGroup.queryHeads.length).toBe(4);
    perGroup.queryHeads.forEach((h, i) => expect(Math.floor(h / 2)).toBe(i));
    expect(shrinkAttention(w, layout, perGroup).q.rows).toBe(8);
    expect(() => shrinkAttention(w, layout, { kvHeads: Int32Array.from([0, 1]), queryHeads: Int32Array.from([0, 1]) })).toThrow(/no longer be its KV head/);
  });

  it("blocks: influence is 1 - cos(input, output); the least influential go", () => {
    const x = [Float32Array.from([1, 0, 0, 1])];
    expect(blockInfluence(x, [Float32Array.from([2, 0, 0, 3])], 2)).toBeCloseTo(0, 12);
    expect(blockInfluence(x, [Float32Array.from([0, 1, 1, 0])], 2)).toBeCloseTo(1, 12);
    expect(blocksToRemove([0.3, 0.05, 0.2, 0.04, 0.5], 2)).toEqual([1, 3]);
  });
});
