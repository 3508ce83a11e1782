/**
 * The native pruned-weight bindings reject bad calls with a TypeError/RangeError that names the
 * argument (wrong array types, short arrays, inconsistent sizes, unsupported patterns, out
 * sharing memory with an input), and stay in bounds when index *contents* are garbage (the
 * kernels clamp them: wrong numbers, never a crash). Skips when the addon is not built.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "@sieve/core";
import { compressBlockedCsr } from "../formats/bcsr.js";
import { compressBitmap } from "../formats/bitmap.js";
import { compressCsr } from "../formats/csr.js";
import { compressCsr8 } from "../formats/csr8.js";
import { compressNm } from "../formats/nm.js";
import { forEachVariant, nativeBackendOrNull, randomMask, randomNmMask, randomNormal } from "../testing/native.js";
import { sparseLinearNative } from "./native.js";

const native = nativeBackendOrNull();

describe.skipIf(!native)("native pruned-weight bindings validate their arguments", () => {
  const addon = native?.addon as NonNullable<typeof native>["addon"]; // undefined only when the suite is skipped
  const rng = new Rng(5);
  const rows = 8;
  const cols = 32;
  const dense = { data: randomNormal(rng, rows * cols), dtype: "f32" as const, rows, cols };
  const nm = compressNm(dense, randomNmMask(rng, rows, cols, 2, 4, 0), { n: 2, m: 4 }, "f16");
  const out = new Float32Array(rows);
  const x = randomNormal(rng, cols);

  it("names wrong array types (TypeError)", () => {
    expect(() => addon.nmLinear(out, new Float64Array(cols) as never, nm.values, 1, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(TypeError);
    expect(() => addon.nmLinear(out, new Float64Array(cols) as never, nm.values, 1, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(/argument 1 \(x\)/);
    expect(() => addon.nmLinear(out, x, nm.values, 0, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(/values \(a Float32Array when valueDtype is 0\)/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, new Uint16Array(32) as never, 2, 4, 1, rows, cols, null)).toThrow(/indices/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, nm.indices, "2" as never, 4, 1, rows, cols, null)).toThrow(/\(n\) must be a number/);
    expect(() => addon.sparseWeightKernel(3 as never, 1)).toThrow(TypeError);
  });

  it("names short arrays and inconsistent sizes (RangeError)", () => {
    expect(() => addon.nmLinear(out, x.subarray(0, cols - 1), nm.values, 1, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(/x has 31 elements, needs 32/);
    expect(() => addon.nmLinear(out.subarray(1), x, nm.values, 1, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(/out has 7 elements, needs 8/);
    expect(() => addon.nmLinear(out, x, nm.values.subarray(1), 1, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(/values has 127 elements, needs 128/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, nm.indices.subarray(1), 2, 4, 1, rows, cols, null)).toThrow(/indices has 31 elements, needs 32/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, nm.indices, 2, 4, 1, rows, cols, new Float32Array(3))).toThrow(/bias has 3 elements, needs 8/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, nm.indices, 2, 4, 2, rows, cols, null)).toThrow(/out has 8 elements, needs 16/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, nm.indices, 1, 4, 1, rows, cols, null)).toThrow(/n:m must be 2:4 or 4:8, got 1:4/);
    expect(() => addon.nmLinear(out, x, nm.values, 2 as never, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(/valueDtype\) must be 0 \(f32\) or 1 \(f16\)/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, nm.indices, 2, 4, -1, rows, cols, null)).toThrow(/batch\) must be a non-negative integer/);
    expect(() => addon.nmLinear(out, x, nm.values, 1, nm.indices, 2, 4, 1, 2 ** 40, 2 ** 40, null)).toThrow(RangeError);

    const csr = compressCsr(dense, randomMask(rng, rows * cols, 0.3), "f32");
    expect(() => addon.csrLinear(out, x, csr.values, 0, csr.colIdx, csr.rowPtr.subarray(1), 1, rows, cols, null)).toThrow(/rowPtr has 8 elements, needs 9/);
    expect(() => addon.csrLinear(out, x, csr.values, 0, csr.colIdx.subarray(1), csr.rowPtr, 1, rows, cols, null)).toThrow(/colIdx \(one per value\)/);
    expect(() => addon.csrLinear(new Float32Array(1), new Float32Array(70000), csr.values, 0, csr.colIdx, new Int32Array(2), 1, 1, 70000, null)).toThrow(/at most 65536/);
    const bm = compressBitmap(dense, randomMask(rng, rows * cols, 0.3), "f32");
    expect(() => addon.bitmapLinear(out, x, bm.values, 0, bm.bitmap.subarray(4), bm.rowPtr, 1, rows, cols, null)).toThrow(/bitmap has 28 elements, needs 32/);
    const bc = compressBlockedCsr(dense, randomMask(rng, rows * cols, 0.3), "f32");
    expect(() => addon.bcsrLinear(out, x, bc.values, 0, bc.colLo, bc.blockPtr.subarray(2), 1, rows, cols, null)).toThrow(/blockPtr has 7 elements, needs 9/);
    const c8 = compressCsr8(dense, randomMask(rng, rows * cols, 0.3), "f32");
    expect(() => addon.csr8Linear(out, x, c8.values.subarray(8), 0, c8.offset, c8.base, c8.rowChunk, 1, rows, cols, null)).toThrow(/values \(8 per chunk\)/);
    expect(() => addon.csr8Linear(out, x, c8.values, 0, c8.offset.subarray(1), c8.base, c8.rowChunk, 1, rows, cols, null)).toThrow(/offset \(8 per chunk\)/);
    expect(() => addon.csr8Linear(out, x, c8.values, 0, c8.offset, new Int16Array(c8.base.length) as never, c8.rowChunk, 1, rows, cols, null)).toThrow(/argument 5 \(base\)/);
    expect(() => addon.sparseWeightKernel("nm-3:4" as never, 1)).toThrow(/must be nm-2:4, nm-4:8, bitmap, csr, bcsr or csr8/);
  });

  it("refuses an out that shares memory with an input", () => {
    const buf = new Float32Array(cols + rows);
    const xs = buf.subarray(0, cols);
    expect(() => addon.nmLinear(buf.subarray(cols - 4, cols - 4 + rows), xs, nm.values, 1, nm.indices, 2, 4, 1, rows, cols, null)).toThrow(/out must not share memory with x/);
    const f32 = compressNm(dense, randomNmMask(rng, rows, cols, 2, 4, 0), { n: 2, m: 4 }, "f32");
    expect(() => addon.nmLinear(f32.values as Float32Array, x, f32.values, 0, f32.indices, 2, 4, 1, rows, cols, null)).toThrow(/out must not share memory with values/);
  });

  it("stays in bounds when index contents are garbage", () => {
    const garbage = new Rng(99);
    const csr = compressCsr(dense, randomMask(rng, rows * cols, 0.5), "f16");
    const bm = compressBitmap(dense, randomMask(rng, rows * cols, 0.5), "f32");
    const bc = compressBlockedCsr(dense, randomMask(rng, rows * cols, 0.5), "f16");
    const nm48 = compressNm(dense, randomNmMask(rng, rows, cols, 4, 8, 0), { n: 4, m: 8 }, "f32");
    const c8 = compressCsr8(dense, randomMask(rng, rows * cols, 0.5), "f16");
    for (let i = 0; i < c8.base.length; i++) c8.base[i] = garbage.nextU32() & 0xffff;
    for (const p of [csr.rowPtr, bm.rowPtr, bc.blockPtr, c8.rowChunk]) for (let i = 0; i < p.length; i++) p[i] = (garbage.nextU32() | 0) % 100000;
    for (let i = 0; i < csr.colIdx.length; i++) csr.colIdx[i] = garbage.nextU32() & 0xffff;
    for (const a of [bm.bitmap, bc.colLo, nm48.indices, c8.offset]) for (let i = 0; i < a.length; i++) a[i] = garbage.nextU32() & 0xff;
    forEachVariant(native!, () => {
      for (const w of [csr, bm, bc, nm48, c8]) {
        for (const batch of [1, 3, 20]) {
          const o = new Float32Array(batch * rows);
          sparseLinearNative(addon, o, randomNormal(rng, batch * cols), batch, w, null);
          expect(o.every(Number.isFinite), `${w.format} batch ${batch}`).toBe(true);
        }
      }
    });
  });
});
