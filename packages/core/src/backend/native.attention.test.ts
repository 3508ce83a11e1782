// Parity of the native paged KV-cache ops with the reference: pagedKvWrite exactly, and
// pagedAttention by relative error over shuffled pages (-1 past each sequence's end, NaN in every
// slot no sequence owns), GQA ratios 1/2/4 and MQA, page sizes 1, 16 and odd, head dims on and off
// the 8-lane grid, and ragged batches that mix prefill chunks (the AVX2 kernel's tiled path: runs
// of >= 4 tokens of one sequence) with decode tokens of other sequences (its per-token path, split
// over heads and pages on 2 threads). Also: holes in block tables (evicted pages, NaN-filled, that
// must be skipped) and head subsets (the other heads' outputs zeroed).
import { describe, expect, it } from "vitest";
import * as ref from "../ops/reference/attention.js";
import { nativeBackendOrNull, randomF32, relativeError, Rng } from "../testing/parity.js";
import { forEachNativeVariant } from "../testing/native-variants.js";
import { buildPagedScenario, chunk, denseCausalAttention, type PagedScenarioOptions } from "../testing/paged-scenario.js";

const native = nativeBackendOrNull();

type Geometry = Pick<PagedScenarioOptions, "nHeads" | "nKvHeads" | "headDim" | "pageSize">;

const GEOMETRIES: Geometry[] = [
  { nHeads: 4, nKvHeads: 4, headDim: 64, pageSize: 16 }, // MHA
  { nHeads: 4, nKvHeads: 2, headDim: 32, pageSize: 1 }, // GQA 2, one token per page
  { nHeads: 8, nKvHeads: 2, headDim: 128, pageSize: 7 }, // GQA 4, odd page size
  { nHeads: 6, nKvHeads: 1, headDim: 13, pageSize: 16 }, // MQA, head dim off the 8-lane grid
  { nHeads: 2, nKvHeads: 1, headDim: 8, pageSize: 5 },
  { nHeads: 4, nKvHeads: 2, headDim: 48, pageSize: 16 }, // 48 = 3 x 16 columns
  { nHeads: 4, nKvHeads: 1, headDim: 80, pageSize: 5 }, // 80 = 5 x 16 columns, GQA 4
  { nHeads: 3, nKvHeads: 3, headDim: 20, pageSize: 16 }, // 16 + a masked 4-column tail
];

/** Batches: a prefill chunk of sequence 0 mixed with decode tokens of the others, and variants. */
function batches(): Array<{ name: string; seqLens: number[]; queries: Array<{ seq: number; pos: number }> }> {
  return [
    { name: "decode only", seqLens: [1, 40, 17], queries: [{ seq: 2, pos: 16 }, { seq: 0, pos: 0 }, { seq: 1, pos: 39 }] },
    {
      name: "prefill chunk + decodes",
      seqLens: [45, 33, 3, 70],
      queries: [{ seq: 1, pos: 32 }, ...chunk(0, 20, 25), { seq: 3, pos: 69 }, { seq: 2, pos: 2 }],
    },
    { name: "whole prompt prefill", seqLens: [37], queries: chunk(0, 0, 37) },
    // Several query blocks and many key tiles, after a cached prefix (chunked prefill).
    { name: "long prefill chunk after a prefix", seqLens: [150, 9], queries: [...chunk(0, 47, 103), { seq: 1, pos: 8 }] },
    // Runs of 3 tokens stay on the per-token path; out-of-order positions inside a tiled block.
    {
      name: "short runs and a shuffled block",
      seqLens: [20, 30],
      queries: [...chunk(0, 17, 3), ...[29, 3, 17, 4, 28].map((pos) => ({ seq: 1, pos }))],
    },
    {
      name: "two chunks, interleaved order",
      seqLens: [30, 24],
      queries: [...chunk(1, 10, 6), ...chunk(0, 0, 9), { seq: 1, pos: 23 }],
    },
  ];
}

describe.skipIf(!native)("native paged KV ops match the reference", () => {
  const nb = native!;

  it("pagedKvWrite writes the same pools", () => {
    const rng = new Rng(401);
    for (const [nKvHeads, headDim] of [[1, 1], [2, 13], [8, 64]] as const) {
      const rowSize = nKvHeads * headDim;
      const poolRows = 40, numTokens = 11;
      const k = randomF32(rng, numTokens * rowSize), v = randomF32(rng, numTokens * rowSize);
      const slots = Int32Array.from({ length: numTokens }, (_, i) => (i * 7 + 3) % poolRows);
      const want = { kPool: randomF32(rng, poolRows * rowSize), vPool: randomF32(rng, poolRows * rowSize) };
      const before = { k: want.kPool.slice(), v: want.vPool.slice() };
      ref.pagedKvWrite({ kPool: want.kPool, vPool: want.vPool, k, v, slots, numTokens, nKvHeads, headDim });
      forEachNativeVariant(nb, (variant) => {
        const kPool = before.k.slice(), vPool = before.v.slice();
        nb.pagedKvWrite({ kPool, vPool, k, v, slots, numTokens, nKvHeads, headDim });
        expect(Array.from(kPool), variant.label).toEqual(Array.from(want.kPool));
        expect(Array.from(vPool), variant.label).toEqual(Array.from(want.vPool));
      });
    }
  });

  for (const g of GEOMETRIES) {
    it(`pagedAttention heads ${g.nHeads}/${g.nKvHeads}, headDim ${g.headDim}, page ${g.pageSize}`, () => {
      const rng = new Rng(402 + g.headDim * 10 + g.pageSize);
      for (const b of batches()) {
        const s = buildPagedScenario(rng, { ...g, seqLens: b.seqLens, queries: b.queries });
        ref.pagedAttention(s.args);
        const want = s.args.out.slice();
        // The reference itself agrees with dense attention computed without pages.
        expect(relativeError(want, denseCausalAttention(s)), `reference ${b.name}`).toBeLessThan(1e-6);
        forEachNativeVariant(nb, (v) => {
          const out = new Float32Array(want.length).fill(NaN); // stale output must not leak in
          nb.pagedAttention({ ...s.args, out });
          expect(relativeError(out, want), `${b.name} ${v.label}`).toBeLessThan(2e-6);
        });
      }
    });
  }

  it("pagedAttention with large logits (sharp softmax) and a long context", () => {
    const rng = new Rng(403);
    const s = buildPagedScenario(rng, {
      nHeads: 8,
      nKvHeads: 2,
      headDim: 64,
      pageSize: 16,
      seqLens: [600, 5],
      queries: [...chunk(0, 590, 10), { seq: 1, pos: 4 }],
    });
    s.args.scale = 2; // far sharper than 1/sqrt(64): the online max must rescale correctly
    ref.pagedAttention(s.args);
    const want = s.args.out.slice();
    forEachNativeVariant(nb, (v) => {
      const out = new Float32Array(want.length);
      nb.pagedAttention({ ...s.args, out });
      expect(relativeError(out, want), v.label).toBeLessThan(1e-5);
    });
  });

  it("pagedAttention of a lone long decode token (split over heads and pages on 2 threads)", () => {
    const rng = new Rng(406);
    for (const c of [
      { nHeads: 12, nKvHeads: 12, headDim: 64, pageSize: 16 },
      { nHeads: 8, nKvHeads: 2, headDim: 48, pageSize: 5 },
      { nHeads: 4, nKvHeads: 1, headDim: 80, pageSize: 16 },
    ]) {
      for (const holes of [[], [{ seq: 0, page: 0 }, { seq: 0, page: 3 }, { seq: 0, page: 60 }]]) {
        const s = buildPagedScenario(rng, { ...c, seqLens: [1500], queries: [{ seq: 0, pos: 1499 }], holes });
        s.args.scale = 0.5; // sharper than 1/sqrt(headDim): the parts' maxima differ, so the merge must rescale
        ref.pagedAttention(s.args);
        const want = s.args.out.slice();
        forEachNativeVariant(nb, (v) => {
          const out = new Float32Array(want.length).fill(NaN);
          nb.pagedAttention({ ...s.args, out });
          // 1500 keys: f32 accumulation error grows with the context (as in the long-context test above).
          expect(relativeError(out, want), `${JSON.stringify(c)} holes ${holes.length} ${v.label}`).toBeLessThan(1e-5);
        });
      }
    }
  });

  it("pagedAttention skips holes (evicted pages) in decode and prefill, on every variant", () => {
    const rng = new Rng(404);
    const configs = [
      { nHeads: 12, nKvHeads: 12, headDim: 64, pageSize: 16 }, // llama-110m
      { nHeads: 8, nKvHeads: 2, headDim: 48, pageSize: 5 },
      { nHeads: 4, nKvHeads: 1, headDim: 80, pageSize: 16 },
      { nHeads: 2, nKvHeads: 2, headDim: 8, pageSize: 1 },
    ];
    for (const c of configs) {
      const pagesOf = (len: number) => Math.ceil(len / c.pageSize);
      // Sequence 0 (600 tokens): StreamingLLM-like, sink page kept, the middle evicted; a long decode
      // token there is split over pages on 2 threads, and one of its parts holds holes only.
      // Sequence 1: a prefill chunk whose earlier pages were evicted. Sequence 2: a short decode.
      const p0 = pagesOf(600), p1 = pagesOf(90);
      const holes = [
        ...Array.from({ length: Math.floor(p0 / 2) }, (_, i) => ({ seq: 0, page: 1 + i })),
        ...Array.from({ length: Math.floor(p1 / 3) }, (_, i) => ({ seq: 1, page: i })),
      ];
      const s = buildPagedScenario(rng, {
        ...c,
        seqLens: [600, 90, 20],
        queries: [{ seq: 0, pos: 599 }, ...chunk(1, 70, 20), { seq: 2, pos: 19 }],
        holes,
      });
      ref.pagedAttention(s.args);
      const want = s.args.out.slice();
      expect(relativeError(want, denseCausalAttention(s)), "reference").toBeLessThan(1e-6);
      forEachNativeVariant(nb, (v) => {
        const out = new Float32Array(want.length).fill(NaN);
        nb.pagedAttention({ ...s.args, out });
        expect(relativeError(out, want), `${JSON.stringify(c)} ${v.label}`).toBeLessThan(2e-6);
      });
      // The token's own page must still be mapped.
      const own = s.args.blockTable.slice();
      own[1 * s.args.maxPagesPerSeq + Math.floor(75 / c.pageSize)] = -1;
      expect(() => nb.pagedAttention({ ...s.args, blockTable: own })).toThrow(/needs logical page .* but blockTable holds -1/);
    }
  });

  it("pagedAttention with a head subset computes those heads and zeroes the rest", () => {
    const rng = new Rng(405);
    for (const c of [
      { nHeads: 12, nKvHeads: 12, headDim: 64, pageSize: 16 },
      { nHeads: 8, nKvHeads: 2, headDim: 48, pageSize: 5 },
      { nHeads: 8, nKvHeads: 4, headDim: 80, pageSize: 16 },
    ]) {
      const s = buildPagedScenario(rng, {
        ...c,
        seqLens: [300, 40],
        queries: [{ seq: 0, pos: 299 }, ...chunk(1, 10, 30)],
        holes: [{ seq: 0, page: 2 }],
      });
      const subsets = [
        Int32Array.of(0, 2, 5, 7), // every KV head keeps some query heads...
        Int32Array.of(1, 6), // ...or whole KV heads have none
        Int32Array.of(c.nHeads - 1),
        new Int32Array(0),
      ];
      for (const heads of subsets) {
        const want = new Float32Array(s.args.out.length).fill(NaN);
        ref.pagedAttention({ ...s.args, out: want, heads });
        expect(relativeError(want, denseCausalAttention(s, heads)), "reference").toBeLessThan(1e-6);
        forEachNativeVariant(nb, (v) => {
          const out = new Float32Array(want.length).fill(NaN);
          nb.pagedAttention({ ...s.args, out, heads });
          expect(relativeError(out, want), `heads ${heads.join(",")} ${v.label}`).toBeLessThan(2e-6);
        });
      }
    }
    const s = buildPagedScenario(rng, { nHeads: 4, nKvHeads: 2, headDim: 8, pageSize: 4, seqLens: [5], queries: [{ seq: 0, pos: 4 }] });
    expect(() => nb.pagedAttention({ ...s.args, heads: Int32Array.of(3, 2) })).toThrow(/heads\[1\] = 2 must be in \[0, 4\)/);
    expect(() => nb.pagedAttention({ ...s.args, heads: Int32Array.of(4) })).toThrow(RangeError);
  });
});
