/**
 * Parity of the native pruned-weight kernels with the TypeScript reference: every format (2:4,
 * 4:8, bitmap, csr, bcsr, csr8), f32 and f16 values, AVX2 and portable code, 1 and 2 threads, batch 1
 * (GEMV) and larger batches (the GEMM paths: N:M rows kernel up to 8 rows, csr8 gathers per row
 * up to 4 rows, AXPY tiles of 16 beyond), odd shapes that leave partial groups, partial 16-column units, an odd number of
 * whole units (the N:M kernels decode units in pairs) and partial 256-column blocks,
 * with and without bias. Fresh random inputs each run. Skips when the addon is not built.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "@sieve/core";
import { compressBlockedCsr } from "../formats/bcsr.js";
import { compressBitmap } from "../formats/bitmap.js";
import { compressCsr } from "../formats/csr.js";
import { compressCsr8 } from "../formats/csr8.js";
import { compressNm } from "../formats/nm.js";
import { sparseFormatName, type SparseWeight } from "../formats/sparse-weight.js";
import type { SparseValueDtype } from "../formats/values.js";
import { forEachVariant, nativeBackendOrNull, randomMask, randomNmMask, randomNormal, scaledError } from "../testing/native.js";
import { nativeSparseKernelName, sparseLinearNative } from "./native.js";
import { sparseLinearReference } from "./reference/sparse-linear.js";

const native = nativeBackendOrNull();
const seed = (Date.now() ^ (process.pid << 8)) >>> 0;

type Builder = (rng: Rng, rows: number, cols: number, dtype: SparseValueDtype) => SparseWeight;

const dense = (rng: Rng, rows: number, cols: number) => ({ data: randomNormal(rng, rows * cols), dtype: "f32" as const, rows, cols });

const FORMATS: Record<string, Builder> = {
  "nm-2:4": (rng, rows, cols, dt) => compressNm(dense(rng, rows, cols), randomNmMask(rng, rows, cols, 2, 4), { n: 2, m: 4 }, dt),
  "nm-4:8": (rng, rows, cols, dt) => compressNm(dense(rng, rows, cols), randomNmMask(rng, rows, cols, 4, 8), { n: 4, m: 8 }, dt),
  "bitmap 50%": (rng, rows, cols, dt) => compressBitmap(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.5), dt),
  "bitmap 90%": (rng, rows, cols, dt) => compressBitmap(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.1), dt),
  "csr 70%": (rng, rows, cols, dt) => compressCsr(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.3), dt),
  "bcsr 50%": (rng, rows, cols, dt) => compressBlockedCsr(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.5), dt),
  "bcsr 95%": (rng, rows, cols, dt) => compressBlockedCsr(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.05), dt),
  // Empty 256-column blocks: chunks of 8 values that cross several block boundaries at once.
  "bcsr 99%": (rng, rows, cols, dt) => compressBlockedCsr(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.01), dt),
  "csr8 50%": (rng, rows, cols, dt) => compressCsr8(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.5), dt),
  // Gaps of 256+ columns: chunks cut short and padded.
  "csr8 99%": (rng, rows, cols, dt) => compressCsr8(dense(rng, rows, cols), randomMask(rng, rows * cols, 0.01), dt),
  "bitmap all kept": (rng, rows, cols, dt) => compressBitmap(dense(rng, rows, cols), randomMask(rng, rows * cols, 1), dt),
  "csr none kept": (rng, rows, cols, dt) => compressCsr(dense(rng, rows, cols), randomMask(rng, rows * cols, 0), dt),
};

// [rows, cols]: partial N:M groups (cols % 4, cols % 8), partial 16-column units, several
// 256-column blocks with a partial last one, one row, one column.
const SHAPES: Array<[number, number]> = [
  [1, 1],
  [3, 5],
  [7, 16],
  [5, 19],
  [6, 48],
  [33, 64],
  [17, 100],
  [64, 257],
  [40, 1000],
  [9, 4099],
];
// N:M runs 2..8 activation rows in its rows kernel and csr8 2..4 in its gather-per-row kernel;
// larger batches (and the other formats, any batch > 1) go through AXPY tiles of 16.
const BATCHES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 35];

// f32 accumulation of a k-term dot product errs by about sqrt(k) * 2^-24 of sum |x * w|.
const TOLERANCE = 2e-6 * Math.sqrt(4099) + 1e-6;

/** The same weight with every value's sign cleared: |w| in the same layout. */
function absWeight(w: SparseWeight): SparseWeight {
  const values = w.values instanceof Float32Array ? w.values.map(Math.abs) : w.values.map((b) => b & 0x7fff);
  return { ...w, values } as SparseWeight;
}

describe.skipIf(!native)(`native pruned-weight kernels match the reference (seed ${seed})`, () => {
  const addon = native?.addon as NonNullable<typeof native>["addon"]; // undefined only when the suite is skipped

  for (const [formatLabel, build] of Object.entries(FORMATS)) {
    for (const dtype of ["f32", "f16"] as const) {
      it(`${formatLabel}, ${dtype} values`, () => {
        const rng = new Rng(seed ^ formatLabel.length ^ (dtype === "f16" ? 0x9e37 : 0));
        let worst = 0;
        let cases = 0;
        for (const [rows, cols] of SHAPES) {
          const w = build(rng, rows, cols, dtype);
          for (const batch of BATCHES) {
            if (batch * rows * cols > 3_000_000) continue; // keeps the reference side quick
            const x = randomNormal(rng, batch * cols);
            const bias = batch % 2 === 1 ? randomNormal(rng, rows) : null;
            const expected = new Float32Array(batch * rows);
            sparseLinearReference(expected, x, batch, w, bias);
            const scale = new Float32Array(batch * rows);
            sparseLinearReference(scale, x.map(Math.abs), batch, absWeight(w), bias ? bias.map(Math.abs) : null);
            forEachVariant(native!, (v) => {
              const out = new Float32Array(batch * rows).fill(Number.NaN);
              sparseLinearNative(addon, out, x, batch, w, bias);
              const err = scaledError(out, expected, scale);
              worst = Math.max(worst, err);
              cases++;
              expect(err, `${formatLabel} ${dtype} ${rows}x${cols} batch ${batch} ${v.label}`).toBeLessThanOrEqual(TOLERANCE);
            });
          }
        }
        expect(cases).toBeGreaterThan(50);
        expect(worst).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  }

  it("reports the kernel variant per ISA and batch", () => {
    const w = compressNm(dense(new Rng(1), 4, 16), randomNmMask(new Rng(2), 4, 16, 2, 4, 0), { n: 2, m: 4 }, "f16");
    forEachVariant(native!, (v) => {
      expect(nativeSparseKernelName(addon, w, 1)).toBe(`${v.isa}-nm24-gemv`);
      expect(nativeSparseKernelName(addon, w, 8)).toBe(`${v.isa}-nm24-gemm`);
    });
    expect(sparseFormatName(w)).toBe("nm-2:4");
    expect(addon.sparseWeightKernel("bcsr", 1)).toMatch(/-bcsr8-gemv$/);
  });
});
