// Parity of the native lookup and selection ops (embedding, argmax, topk) with the reference:
// these are exact, so results must be identical, tie rules included.
import { describe, expect, it } from "vitest";
import { embedding as refEmbedding } from "../ops/reference/embedding.js";
import { argmax as refArgmax, topk as refTopk } from "../ops/reference/select.js";
import { nativeBackendOrNull, randomF32, randomWeights, Rng } from "../testing/parity.js";
import { forEachNativeVariant } from "../testing/native-variants.js";
import type { WeightDType } from "./kernels.js";

const native = nativeBackendOrNull();

/** Values rounded to a coarse grid so that rows are full of ties. */
function tiedRow(rng: Rng, n: number): Float32Array {
  return randomF32(rng, n, 3).map((v) => Math.round(v));
}

describe.skipIf(!native)("native lookup and selection ops match the reference exactly", () => {
  const nb = native!;

  it("embedding for f32, f16 and bf16 tables", () => {
    const rng = new Rng(301);
    for (const dtype of ["f32", "f16", "bf16"] as WeightDType[]) {
      for (const dim of [1, 7, 8, 9, 64, 129]) {
        const vocab = 50;
        const { data } = randomWeights(rng, vocab * dim, dtype);
        const numIds = dim === 129 ? 300 : 17; // 300 x 129 is split across threads
        const ids = Int32Array.from({ length: numIds }, (_, i) => (i === 0 ? vocab - 1 : rng.int(vocab)));
        const want = new Float32Array(numIds * dim);
        refEmbedding(want, data, dtype, ids, dim);
        forEachNativeVariant(nb, (v) => {
          const out = new Float32Array(numIds * dim);
          nb.embedding(out, data, dtype, ids, dim);
          expect(Array.from(out), `embedding ${dtype} dim=${dim} ${v.label}`).toEqual(Array.from(want));
        });
      }
    }
  });

  it("embedding widens f16 subnormals, infinities and NaN exactly", () => {
    const bits = Uint16Array.of(0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3c00, 0xc000, 0x0400);
    const want = new Float32Array(9);
    refEmbedding(want, bits, "f16", Int32Array.of(0), 9);
    forEachNativeVariant(nb, (v) => {
      const out = new Float32Array(9);
      nb.embedding(out, bits, "f16", Int32Array.of(0), 9);
      expect(Array.from(out), v.label).toEqual(Array.from(want));
    });
  });

  const SHAPES: Array<[rows: number, cols: number]> = [
    [1, 1],
    [3, 7],
    [4, 16],
    [5, 17],
    [4, 1000],
    [3, 50_000],
  ];

  it("argmax, with ties resolved to the lowest index", () => {
    const rng = new Rng(302);
    for (const [rows, cols] of SHAPES) {
      for (const x of [randomF32(rng, rows * cols), tiedRow(rng, rows * cols)]) {
        const want = new Int32Array(rows);
        refArgmax(want, x, rows, cols);
        forEachNativeVariant(nb, (v) => {
          const out = new Int32Array(rows);
          nb.argmax(out, x, rows, cols);
          expect(Array.from(out), `argmax ${rows}x${cols} ${v.label}`).toEqual(Array.from(want));
        });
      }
    }
  });

  it("argmax ignores NaN except in column 0, like the reference", () => {
    const cols = 40;
    const x = new Float32Array(3 * cols).fill(-1);
    x[5] = NaN; // row 0: NaN mid-row, best is 7
    x[7] = 2;
    x[cols] = NaN; // row 1: NaN at column 0 wins
    x[cols + 9] = 5;
    x[2 * cols + 3] = NaN; // row 2: NaN in the first lane group, best is at the tail
    x[2 * cols + 39] = 1;
    const want = new Int32Array(3);
    refArgmax(want, x, 3, cols);
    expect(Array.from(want)).toEqual([7, 0, 39]);
    forEachNativeVariant(nb, (v) => {
      const out = new Int32Array(3);
      nb.argmax(out, x, 3, cols);
      expect(Array.from(out), v.label).toEqual(Array.from(want));
    });
  });

  it("topk values and indices, sorted, with ties by index", () => {
    const rng = new Rng(303);
    for (const [rows, cols] of SHAPES) {
      for (const k of new Set([1, Math.min(5, cols), cols <= 1000 ? cols : 64])) {
        for (const x of [randomF32(rng, rows * cols), tiedRow(rng, rows * cols)]) {
          const wantV = new Float32Array(rows * k), wantI = new Int32Array(rows * k);
          refTopk(wantV, wantI, x, rows, cols, k);
          forEachNativeVariant(nb, (v) => {
            const outV = new Float32Array(rows * k), outI = new Int32Array(rows * k);
            nb.topk(outV, outI, x, rows, cols, k);
            expect(Array.from(outI), `topk idx ${rows}x${cols} k=${k} ${v.label}`).toEqual(Array.from(wantI));
            expect(Array.from(outV), `topk val ${rows}x${cols} k=${k} ${v.label}`).toEqual(Array.from(wantV));
          });
        }
      }
    }
  });

  it("topk ranks NaN below every number", () => {
    const x = Float32Array.of(NaN, -Infinity, 2, NaN, 2, -1);
    const wantV = new Float32Array(6), wantI = new Int32Array(6);
    refTopk(wantV, wantI, x, 1, 6, 6);
    expect(Array.from(wantI)).toEqual([2, 4, 5, 1, 0, 3]);
    forEachNativeVariant(nb, (v) => {
      const outV = new Float32Array(6), outI = new Int32Array(6);
      nb.topk(outV, outI, x, 1, 6, 6);
      expect(Array.from(outI), v.label).toEqual(Array.from(wantI));
    });
  });
});
