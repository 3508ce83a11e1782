// Parity of the native paged KV-cache ops with the reference: pagedKvWrite exactly, and
// pagedAttention by relative error over shuffled pages (-1 past each sequence's end, NaN in every
// slot no sequence owns), GQA ratios 1/2/4 and MQA, page sizes 1, 16 and odd, and ragged batches
// that mix prefill chunks with decode tokens of other sequences.
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
});
