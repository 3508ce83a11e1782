import { describe, expect, it } from "vitest";
import { Rng } from "../../tensor/rng.js";
import { relativeError } from "../../testing/parity.js";
import { buildPagedScenario, chunk, denseCausalAttention } from "../../testing/paged-scenario.js";
import { pagedAttention, pagedKvWrite } from "./attention.js";

describe("reference pagedKvWrite", () => {
  it("copies each token's keys and values to its slot row", () => {
    const nKvHeads = 2, headDim = 3, rowSize = 6;
    const kPool = new Float32Array(5 * rowSize);
    const vPool = new Float32Array(5 * rowSize);
    const k = Float32Array.from({ length: 2 * rowSize }, (_, i) => i + 1);
    const v = Float32Array.from({ length: 2 * rowSize }, (_, i) => -(i + 1));
    pagedKvWrite({ kPool, vPool, k, v, slots: Int32Array.of(4, 1), numTokens: 2, nKvHeads, headDim });
    expect(Array.from(kPool.subarray(4 * rowSize))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(kPool.subarray(rowSize, 2 * rowSize))).toEqual([7, 8, 9, 10, 11, 12]);
    expect(Array.from(vPool.subarray(rowSize, 2 * rowSize))).toEqual([-7, -8, -9, -10, -11, -12]);
    expect(kPool.subarray(0, rowSize).every((x) => x === 0)).toBe(true);
  });

  it("rejects slots outside the pool before writing anything", () => {
    const kPool = new Float32Array(12);
    const vPool = new Float32Array(12);
    const k = new Float32Array(12).fill(1);
    const args = { kPool, vPool, k, v: k, numTokens: 2, nKvHeads: 1, headDim: 6 };
    expect(() => pagedKvWrite({ ...args, slots: Int32Array.of(0, 2) })).toThrow(/slots\[1\] = 2/);
    expect(kPool.every((x) => x === 0)).toBe(true);
    expect(() => pagedKvWrite({ ...args, slots: Int32Array.of(-1, 0) })).toThrow(RangeError);
  });
});

describe("reference pagedAttention", () => {
  const configs = [
    { nHeads: 4, nKvHeads: 4, headDim: 8, pageSize: 4 },
    { nHeads: 4, nKvHeads: 2, headDim: 5, pageSize: 1 },
    { nHeads: 8, nKvHeads: 2, headDim: 16, pageSize: 3 },
    { nHeads: 3, nKvHeads: 1, headDim: 7, pageSize: 16 },
  ];
  for (const c of configs) {
    it(`equals dense causal attention (heads ${c.nHeads}/${c.nKvHeads}, headDim ${c.headDim}, page ${c.pageSize})`, () => {
      const rng = new Rng(c.nHeads * 100 + c.pageSize);
      const s = buildPagedScenario(rng, {
        ...c,
        seqLens: [19, 1, 7],
        queries: [...chunk(0, 12, 7), { seq: 1, pos: 0 }, { seq: 2, pos: 6 }, { seq: 0, pos: 0 }],
      });
      pagedAttention(s.args);
      expect(relativeError(s.args.out, denseCausalAttention(s))).toBeLessThan(1e-6);
    });
  }

  it("a token at position 0 returns its own value; a single key gets weight 1", () => {
    const rng = new Rng(11);
    const s = buildPagedScenario(rng, { nHeads: 2, nKvHeads: 1, headDim: 4, pageSize: 2, seqLens: [3], queries: [{ seq: 0, pos: 0 }] });
    pagedAttention(s.args);
    for (let h = 0; h < 2; h++) for (let d = 0; d < 4; d++) expect(s.args.out[h * 4 + d]).toBeCloseTo(s.denseV[0]![d]!, 6);
  });

  it("skips holes: evicted pages below a token's own page are absent from its softmax", () => {
    for (const c of [
      { nHeads: 4, nKvHeads: 2, headDim: 8, pageSize: 4 },
      { nHeads: 3, nKvHeads: 3, headDim: 5, pageSize: 1 },
      { nHeads: 4, nKvHeads: 1, headDim: 6, pageSize: 5 },
    ]) {
      const rng = new Rng(31 + c.pageSize);
      // Sequence 0 loses pages 1 and 2 (StreamingLLM keeps the sink page and a recent window),
      // sequence 1 loses its first page; the queries' own pages stay mapped.
      const s = buildPagedScenario(rng, {
        ...c,
        seqLens: [26, 12],
        queries: [...chunk(0, 20, 6), { seq: 1, pos: 11 }, { seq: 0, pos: 3 }],
        holes: [{ seq: 0, page: 1 }, { seq: 0, page: 2 }, { seq: 1, page: 0 }],
      });
      pagedAttention(s.args);
      const want = denseCausalAttention(s);
      expect(relativeError(s.args.out, want), `page ${c.pageSize}`).toBeLessThan(1e-6);
      // The holes changed the result: the same query without them differs.
      expect(relativeError(s.args.out, denseCausalAttention({ ...s, isHole: () => false }))).toBeGreaterThan(1e-3);
    }
  });

  it("a hole at the token's own page is an error", () => {
    const rng = new Rng(32);
    const s = buildPagedScenario(rng, { nHeads: 2, nKvHeads: 1, headDim: 4, pageSize: 2, seqLens: [6], queries: [{ seq: 0, pos: 3 }], holes: [{ seq: 0, page: 1 }] });
    expect(() => pagedAttention(s.args)).toThrow(/token 0 \(sequence 0, position 3\) needs logical page 1, but blockTable holds -1/);
  });

  it("computes only the requested heads and zeroes the others", () => {
    const rng = new Rng(33);
    const s = buildPagedScenario(rng, { nHeads: 8, nKvHeads: 2, headDim: 6, pageSize: 3, seqLens: [10, 4], queries: [...chunk(0, 5, 5), { seq: 1, pos: 3 }] });
    for (const heads of [Int32Array.of(0, 3, 4, 7), Int32Array.of(5), new Int32Array(0), Int32Array.from({ length: 8 }, (_, h) => h)]) {
      s.args.out.fill(NaN); // stale output must be overwritten everywhere
      pagedAttention({ ...s.args, heads });
      expect(relativeError(s.args.out, denseCausalAttention(s, heads)), `heads ${heads.join(",")}`).toBeLessThan(1e-6);
    }
    const a = s.args;
    expect(() => pagedAttention({ ...a, heads: Int32Array.of(2, 1) })).toThrow(/heads\[1\] = 1/);
    expect(() => pagedAttention({ ...a, heads: Int32Array.of(1, 1) })).toThrow(/no repeats/);
    expect(() => pagedAttention({ ...a, heads: Int32Array.of(8) })).toThrow(/heads\[0\] = 8 must be in \[0, 8\)/);
  });

  it("rejects bad geometry and indices with the offending argument named", () => {
    const rng = new Rng(12);
    const s = buildPagedScenario(rng, { nHeads: 4, nKvHeads: 2, headDim: 4, pageSize: 2, seqLens: [5], queries: [{ seq: 0, pos: 4 }] });
    const a = s.args;
    expect(() => pagedAttention({ ...a, nKvHeads: 3 })).toThrow(/not a multiple/);
    expect(() => pagedAttention({ ...a, tokenSeq: Int32Array.of(1) })).toThrow(/tokenSeq\[0\] = 1/);
    expect(() => pagedAttention({ ...a, tokenPos: Int32Array.of(a.maxPagesPerSeq * 2) })).toThrow(/tokenPos/);
    // 5 cached tokens in pages of 2 use logical pages 0..2; position 6 needs page 3, unmapped (-1).
    expect(() => pagedAttention({ ...a, tokenPos: Int32Array.of(6) })).toThrow(/logical page 3, but blockTable holds -1/);
    const bad = a.blockTable.slice();
    bad[0] = 1000;
    expect(() => pagedAttention({ ...a, blockTable: bad })).toThrow(/holds 1000/);
    expect(() => pagedAttention({ ...a, q: new Float32Array(3) })).toThrow(/q has 3 elements/);
    expect(() => pagedAttention({ ...a, scale: NaN })).toThrow(/scale/);
  });
});
