// Parity of the native row ops (rmsNorm, layerNorm, softmax, logSoftmax, crossEntropy, rope) with
// the reference, under both ISAs and one and two threads. Shapes cover single elements, widths
// around the 8-lane boundaries, and enough rows to be split across threads.
import { describe, expect, it } from "vitest";
import * as norm from "../ops/reference/norm.js";
import * as sm from "../ops/reference/softmax.js";
import { crossEntropy as refCrossEntropy } from "../ops/reference/loss.js";
import { rope as refRope, ropeInvFreq } from "../ops/reference/rope.js";
import { nativeBackendOrNull, randomF32, relativeError, Rng } from "../testing/parity.js";
import { forEachNativeVariant } from "../testing/native-variants.js";
import type { RopeStyle } from "./kernels.js";

const native = nativeBackendOrNull();
const SHAPES: Array<[rows: number, cols: number]> = [
  [1, 1],
  [3, 7],
  [2, 8],
  [5, 9],
  [4, 64],
  [2, 1000],
  [64, 1031],
  [1, 32_000],
];

describe.skipIf(!native)("native row ops match the reference", () => {
  const nb = native!;

  it("rmsNorm and layerNorm (with and without bias)", () => {
    const rng = new Rng(201);
    for (const [rows, dim] of SHAPES) {
      // An offset mean makes layerNorm's centring matter.
      const x = randomF32(rng, rows * dim, 3).map((v) => v + 5);
      const w = randomF32(rng, dim);
      const b = randomF32(rng, dim);
      const wantRms = new Float32Array(rows * dim), wantLn = new Float32Array(rows * dim), wantLnNoBias = new Float32Array(rows * dim);
      norm.rmsNorm(wantRms, x, w, rows, dim, 1e-5);
      norm.layerNorm(wantLn, x, w, b, rows, dim, 1e-5);
      norm.layerNorm(wantLnNoBias, x, w, null, rows, dim, 1e-6);
      forEachNativeVariant(nb, (v) => {
        const out = new Float32Array(rows * dim);
        nb.rmsNorm(out, x, w, rows, dim, 1e-5);
        expect(relativeError(out, wantRms), `rmsNorm ${rows}x${dim} ${v.label}`).toBeLessThan(2e-6);
        nb.layerNorm(out, x, w, b, rows, dim, 1e-5);
        expect(relativeError(out, wantLn), `layerNorm ${rows}x${dim} ${v.label}`).toBeLessThan(1e-5);
        nb.layerNorm(out, x, w, null, rows, dim, 1e-6);
        expect(relativeError(out, wantLnNoBias), `layerNorm no bias ${rows}x${dim} ${v.label}`).toBeLessThan(1e-5);
        const inPlace = x.slice();
        nb.rmsNorm(inPlace, inPlace, w, rows, dim, 1e-5);
        nb.rmsNorm(out, x, w, rows, dim, 1e-5);
        expect(Array.from(inPlace), `rmsNorm in place ${v.label}`).toEqual(Array.from(out));
      });
    }
  });

  it("softmax, logSoftmax and crossEntropy", () => {
    const rng = new Rng(202);
    for (const [rows, cols] of SHAPES) {
      const x = randomF32(rng, rows * cols, 6);
      x[0] = 80; // a large logit: the max shift must keep exp finite
      const targets = Int32Array.from({ length: rows }, () => rng.int(cols));
      const wantP = new Float32Array(rows * cols), wantLp = new Float32Array(rows * cols), wantCe = new Float32Array(rows);
      sm.softmax(wantP, x, rows, cols);
      sm.logSoftmax(wantLp, x, rows, cols);
      refCrossEntropy(wantCe, x, targets, rows, cols);
      forEachNativeVariant(nb, (v) => {
        const out = new Float32Array(rows * cols);
        nb.softmax(out, x, rows, cols);
        expect(relativeError(out, wantP), `softmax ${rows}x${cols} ${v.label}`).toBeLessThan(2e-6);
        nb.logSoftmax(out, x, rows, cols);
        expect(relativeError(out, wantLp), `logSoftmax ${rows}x${cols} ${v.label}`).toBeLessThan(2e-6);
        const ce = new Float32Array(rows);
        nb.crossEntropy(ce, x, targets, rows, cols);
        expect(relativeError(ce, wantCe), `crossEntropy ${rows}x${cols} ${v.label}`).toBeLessThan(2e-6);
        const inPlace = x.slice();
        nb.softmax(inPlace, inPlace, rows, cols);
        nb.softmax(out, x, rows, cols);
        expect(Array.from(inPlace), `softmax in place ${v.label}`).toEqual(Array.from(out));
      });
    }
  });

  it("softmax rows each sum to 1 (small probabilities are not lost to the largest)", () => {
    const rng = new Rng(203);
    const rows = 8, cols = 777;
    const x = randomF32(rng, rows * cols, 2);
    forEachNativeVariant(nb, (v) => {
      const out = new Float32Array(rows * cols);
      nb.softmax(out, x, rows, cols);
      for (let r = 0; r < rows; r++) {
        const sum = out.subarray(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1), v.label).toBeLessThan(1e-5);
      }
    });
  });

  const ROPE_CASES: Array<{ rows: number; nHeads: number; headDim: number; invFreq: Float32Array }> = [
    { rows: 1, nHeads: 1, headDim: 2, invFreq: ropeInvFreq({ headDim: 2, theta: 10000 }) },
    { rows: 3, nHeads: 2, headDim: 6, invFreq: ropeInvFreq({ headDim: 6, theta: 10000 }) }, // 3 pairs: all tail
    { rows: 5, nHeads: 3, headDim: 10, invFreq: ropeInvFreq({ headDim: 10, rotaryDim: 6, theta: 10000 }) }, // partial
    { rows: 7, nHeads: 4, headDim: 64, invFreq: ropeInvFreq({ headDim: 64, theta: 10000 }) },
    { rows: 2, nHeads: 3, headDim: 40, invFreq: ropeInvFreq({ headDim: 40, theta: 10000 }) }, // 20 pairs: 8 + 8 + 4
    {
      rows: 40,
      nHeads: 8,
      headDim: 128,
      invFreq: ropeInvFreq({
        headDim: 128,
        theta: 500000,
        scaling: { type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 },
      }),
    },
  ];

  it("rope in both styles, partial rotary, positions up to 100k", () => {
    const rng = new Rng(204);
    for (const c of ROPE_CASES) {
      for (const style of ["interleaved", "half"] as RopeStyle[]) {
        const x = randomF32(rng, c.rows * c.nHeads * c.headDim);
        const positions = Int32Array.from({ length: c.rows }, (_, r) => (r === 0 ? 0 : rng.int(r % 2 ? 8192 : 100_000)));
        const want = x.slice();
        refRope(want, positions, c.rows, c.nHeads, c.headDim, c.invFreq, style);
        forEachNativeVariant(nb, (v) => {
          const got = x.slice();
          nb.rope(got, positions, c.rows, c.nHeads, c.headDim, c.invFreq, style);
          expect(relativeError(got, want), `rope ${style} ${JSON.stringify({ ...c, invFreq: c.invFreq.length })} ${v.label}`).toBeLessThan(1e-6);
        });
      }
    }
  });
});
