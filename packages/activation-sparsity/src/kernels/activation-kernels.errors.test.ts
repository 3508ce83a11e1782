/**
 * The native activation-sparse functions refuse bad arguments with a TypeError/RangeError that
 * names the function and the argument, instead of reading or writing out of bounds.
 */
import { describe, expect, it } from "vitest";
import { nativeOrNull } from "./native.fixture.js";

const native = nativeOrNull();

describe.skipIf(!native)("native activation-sparse argument checks", () => {
  const a = native?.addon as NonNullable<typeof native>["addon"];
  const k = 8;
  const n = 4;
  const wt = new Float32Array(k * n);
  const x = new Float32Array(k);
  const out = new Float32Array(n);
  const idx = Int32Array.from([0, 2, 5]);

  it("sparseGemvIm checks types, lengths, indices, codes and overlap", () => {
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt, 0, n, k, null, 0)).not.toThrow();
    expect(() => a.sparseGemvIm(new Float64Array(n) as unknown as Float32Array, x, idx, 3, wt, 0, n, k, null, 0)).toThrow(/sparseGemvIm: argument 0 \(out\)/);
    expect(() => a.sparseGemvIm(out, x, idx, 3, new Uint16Array(k * n), 0, n, k, null, 0)).toThrow(TypeError);
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt, 1, n, k, null, 0)).toThrow(/Uint16Array|wrong array type/);
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt, 3, n, k, null, 0)).toThrow(/wdt/);
    expect(() => a.sparseGemvIm(new Float32Array(n - 1), x, idx, 3, wt, 0, n, k, null, 0)).toThrow(/out has 3 elements, needs 4/);
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt.subarray(1), 0, n, k, null, 0)).toThrow(/wt has 31 elements, needs 32/);
    expect(() => a.sparseGemvIm(out, x, Int32Array.from([0, 8]), 2, wt, 0, n, k, null, 0)).toThrow(/idx\[1\] = 8 must be in \[0, 8\)/);
    expect(() => a.sparseGemvIm(out, x, Int32Array.from([3, 3]), 2, wt, 0, n, k, null, 0)).toThrow(/greater than the index before it/);
    expect(() => a.sparseGemvIm(out, x, Int32Array.from([-1]), 1, wt, 0, n, k, null, 0)).toThrow(/idx\[0\] = -1/);
    expect(() => a.sparseGemvIm(out, x, idx, 4, wt, 0, n, k, null, 0)).toThrow(/idx has 3 elements, needs 4/);
    expect(() => a.sparseGemvIm(out, x, idx, 9, wt, 0, n, k, null, 0)).toThrow(/count 9 exceeds k/);
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt, 0, n, k, new Float32Array(2), 0)).toThrow(/bias has 2 elements/);
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt, 0, n, k, null, 3 as 0)).toThrow(/split/);
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt, 0, -1, k, null, 0)).toThrow(/non-negative integer/);
    expect(() => a.sparseGemvIm(out, x, idx, 3, wt, 0, 2.5, k, null, 0)).toThrow(/non-negative integer/);
    expect(() => a.sparseGemvIm(wt.subarray(0, n), x, idx, 3, wt, 0, n, k, null, 0)).toThrow(/out must not share memory with wt/);
  });

  it("thresholdGemvIm checks its scratch, the threshold and overlap, and leaves nothing written on a bad call", () => {
    const scratch = new Int32Array(k);
    const xs = Float32Array.from([0.5, -2, 0, 3, 0.05, -0.2, 1, 0]);
    expect(a.thresholdGemvIm(out, xs, scratch, 0.1, wt, 0, n, k, null, 0)).toBe(5);
    expect(Array.from(scratch.subarray(0, 5))).toEqual([0, 1, 3, 5, 6]);
    expect(() => a.thresholdGemvIm(out, xs, new Int32Array(k - 1), 0.1, wt, 0, n, k, null, 0)).toThrow(/thresholdGemvIm: .*idx has 7 elements, needs 8/);
    expect(() => a.thresholdGemvIm(out, xs, scratch, Number.NaN, wt, 0, n, k, null, 0)).toThrow(/threshold\) must be finite/);
    expect(() => a.thresholdGemvIm(out, xs.subarray(1), scratch, 0.1, wt, 0, n, k, null, 0)).toThrow(/x has 7 elements, needs 8/);
    expect(() => a.thresholdGemvIm(out, xs, scratch, 0.1, wt, 1, n, k, null, 0)).toThrow(/Uint16Array|wrong array type/);
    expect(() => a.thresholdGemvIm(out, xs, scratch, 0.1, wt, 0, n, k, null, 3 as 0)).toThrow(/split/);
    const shared = new Float32Array(k + n);
    expect(() => a.thresholdGemvIm(shared.subarray(0, n), shared.subarray(n - 1, n - 1 + k), scratch, 0.1, wt, 0, n, k, null, 0)).toThrow(/out must not share memory with x/);
    const bytes = new ArrayBuffer(4 * 2 * k);
    expect(() => a.thresholdGemvIm(out, new Float32Array(bytes, 0, k), new Int32Array(bytes, 4, k), 0.1, wt, 0, n, k, null, 0)).toThrow(/idx must not share memory with x/);
    const before = Float32Array.from(out);
    const idxBefore = Int32Array.from(scratch);
    expect(() => a.thresholdGemvIm(out, xs, scratch, 0.1, wt, 0, n, k, new Float32Array(2), 0)).toThrow(/bias has 2 elements/);
    expect(out).toEqual(before);
    expect(scratch).toEqual(idxBefore);
  });

  it("thresholdMatmulIm checks its rows, scratch, mode and kept slot", () => {
    const rows = 2;
    const xm = Float32Array.from({ length: rows * k }, (_, i) => (i % 3 === 0 ? 1 : 0.01));
    const om = new Float32Array(rows * n);
    const scratch = new Int32Array(k);
    const kept = new Float64Array(1);
    expect(a.thresholdMatmulIm(om, xm, rows, k, scratch, 0.5, 1, wt, 0, n, null, kept)).toBe(6);
    expect(kept[0]).toBe(6);
    expect(a.thresholdMatmulIm(om, xm, rows, k, scratch, 0.5, 0, wt, 0, n, null, kept)).toBe(6);
    expect(() => a.thresholdMatmulIm(om, xm.subarray(1), rows, k, scratch, 0.5, 1, wt, 0, n, null, kept)).toThrow(/thresholdMatmulIm: .*x has 15 elements, needs 16/);
    expect(() => a.thresholdMatmulIm(om, xm, rows, k, new Int32Array(k - 1), 0.5, 1, wt, 0, n, null, kept)).toThrow(/idx has 7 elements, needs 8/);
    expect(() => a.thresholdMatmulIm(om, xm, rows, k, scratch, 0.5, 2 as 1, wt, 0, n, null, kept)).toThrow(/sparse/);
    expect(() => a.thresholdMatmulIm(om, xm, rows, k, scratch, 0.5, 1, wt, 0, n, null, new Float64Array(0))).toThrow(/kept has 0 elements/);
    expect(() => a.thresholdMatmulIm(om, xm, rows, k, scratch, 0.5, 1, wt, 0, n, null, null as unknown as Float64Array)).toThrow(/kept/);
    expect(() => a.thresholdMatmulIm(xm.subarray(0, rows * n), xm, rows, k, scratch, 0.5, 1, wt, 0, n, null, kept)).toThrow(/out must not share memory with x/);
  });

  it("sparseMatmulIm checks sizes, the optional index list and the threshold", () => {
    const rows = 3;
    const xm = new Float32Array(rows * k);
    const om = new Float32Array(rows * n);
    expect(() => a.sparseMatmulIm(om, xm, rows, k, null, 0, 0.5, wt, 0, n, null)).not.toThrow();
    expect(() => a.sparseMatmulIm(om, xm, rows, k, idx, 3, 0.5, wt, 0, n, null)).not.toThrow();
    expect(() => a.sparseMatmulIm(om, xm.subarray(1), rows, k, null, 0, 0.5, wt, 0, n, null)).toThrow(/x has 23 elements, needs 24/);
    expect(() => a.sparseMatmulIm(om, xm, rows, k, null, 0, Number.NaN, wt, 0, n, null)).toThrow(/threshold\) must be finite/);
    expect(() => a.sparseMatmulIm(om, xm, rows, k, new Float32Array(3) as unknown as Int32Array, 3, 0.5, wt, 0, n, null)).toThrow(/idx/);
    expect(() => a.sparseMatmulIm(xm.subarray(0, rows * n), xm, rows, k, null, 0, 0.5, wt, 0, n, null)).toThrow(/out must not share memory with x/);
    expect(() => a.sparseMatmulIm(om, xm, 1e300, k, null, 0, 0.5, wt, 0, n, null)).toThrow(RangeError);
  });

  it("thresholdSelect, gatherRowsMatmul and catsMlpGemv check their arguments", () => {
    expect(() => a.thresholdSelect(new Int32Array(k - 1), x, 1, k, 0.1, null)).toThrow(/idx has 7 elements, needs 8/);
    expect(() => a.thresholdSelect(new Int32Array(k), x, 1, k, 0.1, new Float64Array(0))).toThrow(/kept has 0 elements/);
    expect(() => a.thresholdSelect(new Int32Array(k), x, 2, k, 0.1, null)).toThrow(/x has 8 elements, needs 16/);
    const w = new Float32Array(k * n); // [rows = k, cols = n]
    expect(() => a.gatherRowsMatmul(new Float32Array(3), new Float32Array(n), 1, idx, 3, w, 0, n, k)).not.toThrow();
    expect(() => a.gatherRowsMatmul(new Float32Array(3), new Float32Array(n), 1, Int32Array.from([1, 9]), 2, w, 0, n, k)).toThrow(/idx\[1\] = 9/);
    expect(() => a.gatherRowsMatmul(new Float32Array(3), new Float32Array(n), 1, idx, 3, w, 0, n, k + 1)).toThrow(/w has 32 elements, needs 36/);
    const dim = n;
    const hidden = k;
    const act = new Float32Array(hidden);
    expect(() => a.catsMlpGemv(new Float32Array(dim), new Float32Array(dim), act, idx, 3, w, w, 0, dim, hidden)).not.toThrow();
    expect(() => a.catsMlpGemv(new Float32Array(dim), new Float32Array(dim), act.subarray(1), idx, 3, w, w, 0, dim, hidden)).toThrow(/act has 7 elements/);
    expect(() => a.catsMlpGemv(new Float32Array(dim), new Float32Array(dim), act, idx, 3, w, new Uint16Array(k * n), 0, dim, hidden)).toThrow(TypeError);
    expect(() => a.catsMlpGemv(act.subarray(0, dim), new Float32Array(dim), act, idx, 3, w, w, 0, dim, hidden)).toThrow(/out must not share memory with act/);
  });
});
