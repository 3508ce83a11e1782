/**
 * Converters dense + mask -> format -> dense: kept values come back exactly (f32, and f16 bits
 * for f16 sources), the mask comes back exactly (2:4 marks padding slots of underfull groups),
 * sizes match the documented byte counts, and malformed inputs are rejected with a message
 * naming what is wrong.
 */
import { describe, expect, it } from "vitest";
import { f16BitsToF32, f32ToF16Bits, Rng } from "@sieve/core";
import { compressBlockedCsr } from "./bcsr.js";
import { compressBitmap } from "./bitmap.js";
import { compressCsr } from "./csr.js";
import { compressCsr8 } from "./csr8.js";
import { compressNm, nmGeometry } from "./nm.js";
import { decompressSparseWeight, sparseWeightBytes, validateSparseWeight, type SparseWeight } from "./sparse-weight.js";
import type { DenseWeight, SparseValueDtype } from "./values.js";
import { randomMask, randomNmMask, randomNormal } from "../testing/native.js";

const SHAPES: Array<[number, number]> = [[1, 1], [3, 5], [4, 16], [7, 19], [16, 300], [5, 1025]];

function dense(rng: Rng, rows: number, cols: number): DenseWeight {
  return { data: randomNormal(rng, rows * cols), dtype: "f32", rows, cols };
}

/** What a kept value must come back as: exact in f32, rounded once to f16 otherwise. */
function expectedValue(v: number, dtype: SparseValueDtype): number {
  return dtype === "f32" ? v : f16BitsToF32(f32ToF16Bits(v));
}

/** The first element where the decompressed weight or mask is wrong, or "" (one expect per weight keeps the test fast). */
function firstMismatch(w: SparseWeight, src: DenseWeight, mask: Uint8Array, dtype: SparseValueDtype, maskMayGrow: boolean): string {
  validateSparseWeight(w);
  const back = decompressSparseWeight(w);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      const want = expectedValue((src.data as Float32Array)[i]!, dtype);
      if (back.mask[i] !== 1 || !Object.is(back.weight[i], want)) return `${w.format} kept ${i}: ${back.weight[i]} (mask ${back.mask[i]}), want ${want}`;
    } else if (back.weight[i] !== 0 || (!maskMayGrow && back.mask[i] !== 0)) {
      return `${w.format} pruned ${i}: ${back.weight[i]} (mask ${back.mask[i]})`;
    }
  }
  return "";
}

function checkRoundTrip(w: SparseWeight, src: DenseWeight, mask: Uint8Array, dtype: SparseValueDtype, maskMayGrow: boolean): void {
  expect(firstMismatch(w, src, mask, dtype, maskMayGrow)).toBe("");
}

describe("compressed formats round-trip dense + mask", () => {
  for (const dtype of ["f32", "f16"] as const) {
    it(`N:M 2:4 and 4:8 (${dtype}), including underfull groups and partial last groups`, () => {
      const rng = new Rng(11);
      for (const [rows, cols] of SHAPES) {
        for (const [n, m] of [[2, 4], [4, 8]] as const) {
          const src = dense(rng, rows, cols);
          const mask = randomNmMask(rng, rows, cols, n, m, 0.3);
          const w = compressNm(src, mask, { n, m }, dtype);
          const g = nmGeometry(rows, cols, { n, m });
          expect(w.values.length).toBe(g.values);
          expect(w.indices.length).toBe(rows * Math.ceil(cols / 8));
          checkRoundTrip(w, src, mask, dtype, m === 4);
        }
      }
    });

    it(`bitmap, csr, bcsr and csr8 (${dtype}) at 0%, 50%, 90%, 99% and 100% sparsity`, () => {
      const rng = new Rng(12);
      for (const [rows, cols] of SHAPES) {
        for (const density of [1, 0.5, 0.1, 0.01, 0]) {
          const src = dense(rng, rows, cols);
          const mask = randomMask(rng, rows * cols, density);
          for (const w of [compressBitmap(src, mask, dtype), compressCsr(src, mask, dtype), compressBlockedCsr(src, mask, dtype), compressCsr8(src, mask, dtype)]) {
            checkRoundTrip(w, src, mask, dtype, false);
          }
        }
      }
    });
  }

  it("copies f16 source bits without rounding and keeps exact zeros that the mask keeps", () => {
    const bits = Uint16Array.of(0x3c00, 0x0000, 0x8001, 0x7bff, 0x0001, 0xfbff, 0x3555, 0x0000);
    const src: DenseWeight = { data: bits, dtype: "f16", rows: 1, cols: 8 };
    const mask = Uint8Array.of(1, 1, 1, 0, 1, 1, 0, 0);
    const csr = compressCsr(src, mask, "f16");
    expect([...csr.values]).toEqual([0x3c00, 0x0000, 0x8001, 0x0001, 0xfbff]);
    expect([...csr.colIdx]).toEqual([0, 1, 2, 4, 5]);
    const nm = compressNm(src, Uint8Array.of(1, 1, 0, 0, 0, 1, 1, 0), { n: 2, m: 4 }, "f16");
    expect([...nm.values]).toEqual([0x3c00, 0x0000, 0xfbff, 0x3555]);
    // positions 0,1 | 1,2 -> byte 0b10_01_01_00
    expect(nm.indices[0]).toBe((0 << 0) | (1 << 2) | (1 << 4) | (2 << 6));
  });

  it("documents its bytes: 2:4 f16 is 1.125 bytes per weight, bitmap 1/8 + values", () => {
    const rng = new Rng(3);
    const src = dense(rng, 64, 256);
    const nm = compressNm(src, randomNmMask(rng, 64, 256, 2, 4, 0), { n: 2, m: 4 }, "f16");
    expect(sparseWeightBytes(nm) / (64 * 256)).toBe(1.125);
    const nm48 = compressNm(src, randomNmMask(rng, 64, 256, 4, 8, 0), { n: 4, m: 8 }, "f16");
    expect(sparseWeightBytes(nm48) / (64 * 256)).toBe(1.125);
    const mask = randomMask(rng, 64 * 256, 0.3);
    const kept = mask.reduce((a, b) => a + b, 0);
    expect(sparseWeightBytes(compressBitmap(src, mask, "f16"))).toBe(kept * 2 + 64 * 32 + 65 * 4);
    expect(sparseWeightBytes(compressCsr(src, mask, "f16"))).toBe(kept * 4 + 65 * 4);
    expect(sparseWeightBytes(compressBlockedCsr(src, mask, "f16"))).toBe(kept * 3 + (64 + 1) * 4);
    const csr8 = compressCsr8(src, mask, "f16");
    expect(csr8.base.length).toBeGreaterThanOrEqual(Math.ceil(kept / 8));
    expect(sparseWeightBytes(csr8)).toBe(csr8.base.length * (8 * 3 + 2) + 65 * 4);
  });

  it("rejects masks and index contents that do not fit the format", () => {
    const src: DenseWeight = { data: new Float32Array(8), dtype: "f32", rows: 1, cols: 8 };
    expect(() => compressNm(src, Uint8Array.of(1, 1, 1, 0, 0, 0, 0, 0), { n: 2, m: 4 }, "f32")).toThrow(/row 0, columns 0\.\.3 keep 3 weights; 2:4 allows at most 2/);
    expect(() => compressNm(src, new Uint8Array(8), { n: 1, m: 4 }, "f32")).toThrow(/1:4 is not supported/);
    expect(() => compressCsr(src, new Uint8Array(7), "f32")).toThrow(/mask has 7 elements, expected 1x8/);
    expect(() => compressBitmap({ ...src, data: new Uint16Array(8) as unknown as Float32Array }, new Uint8Array(8), "f32")).toThrow(TypeError);
    const csr = compressCsr(src, Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 0), "f32");
    csr.colIdx[1] = 9;
    expect(() => validateSparseWeight(csr)).toThrow(/row 0 has column 9 at entry 1/);
    const bm = compressBitmap(src, Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 0), "f32");
    bm.rowPtr[1] = 1;
    expect(() => validateSparseWeight(bm)).toThrow(/rowPtr\[1\] is 1, but there are 2 values/);
    const c8 = compressCsr8(src, Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 0), "f32");
    c8.values[5] = 1; // a padding slot
    expect(() => validateSparseWeight(c8)).toThrow(/row 0 chunk 0 slot 5 is padding but holds offset 0 \/ value 1/);
    const nm = compressNm(src, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 1), { n: 4, m: 8 }, "f32");
    nm.indices[0] = 0xff;
    expect(() => validateSparseWeight(nm)).toThrow(/more than 4 bits/);
  });
});
