/**
 * Parity of the activation-sparse kernels: the TypeScript twins equal the dense GEMV of
 * @sieve/core on the thresholded input (the definition), and the native kernels equal the twins
 * for random inputs, odd shapes, f32/f16/bf16 weights, both instruction sets and 1 or 2 threads.
 */
import { afterAll, describe, expect, it } from "vitest";
import { referenceBackend, type WeightDType } from "@sieve/core";
import { nativeActivationKernels, referenceActivationKernels, type SparseSplit } from "./activation-kernels.js";
import { transposeWeight } from "./input-major.js";
import { Rng, nativeOrNull, normalThreshold, randomVector, randomWeight, relativeError, thresholded } from "./native.fixture.js";

const native = nativeOrNull();
const ref = referenceActivationKernels;
const DTYPES: WeightDType[] = ["f32", "f16", "bf16"];
/**
 * [inFeatures k, outFeatures n]: tiny, odd, vector-tail and multi-thread sizes; [40, 4200] has
 * rows longer than the kernels' prefetch distance (16 KB over the rows in flight) even when two
 * threads split the columns, so the prefetch runs within the current rows, not whole rows ahead.
 */
const SHAPES: Array<[number, number]> = [[1, 1], [7, 5], [33, 17], [64, 64], [130, 257], [300, 999], [2048, 96], [40, 4200]];
/**
 * Token rows of the batched (union) kernels: every size of the few-rows path (1-6 in AVX2, 1-8
 * in AVX-512: one register tile per size), every remainder of the panel path's 4-row tiles (7-10,
 * 13, 16, 17, 19) and of the AVX-512 panel's 4 + 8-row tiles (13, 16, 17, 19, 20), and more than
 * one 64-row pass (65, 70: at 70 rows, 4200 columns also take two column chunks).
 */
const ROWS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 19, 20, 65, 70];
const TOL = 2e-5;

/** A random [n, k] weight, its input-major transpose, and an input with its threshold. */
function problem(rng: Rng, k: number, n: number, dtype: WeightDType, sparsity: number, rows = 1) {
  const w = randomWeight(rng, n * k, dtype);
  const wt = transposeWeight(w.data, dtype, n, k);
  const x = randomVector(rng, rows * k);
  const t = normalThreshold(sparsity);
  const bias = rng.next() < 0.5 ? randomVector(rng, n) : null;
  return { w, wt, x, t, bias };
}

describe("reference twins equal the dense GEMV on the thresholded input", () => {
  for (const dtype of DTYPES) {
    it(`sparseGemvIm and sparseMatmulIm, ${dtype}`, () => {
      const rng = new Rng(1);
      for (const [k, n] of SHAPES.slice(0, 6)) {
        for (const rows of [1, 3]) {
          const { w, wt, x, t, bias } = problem(rng, k, n, dtype, 0.5, rows);
          const expected = new Float32Array(rows * n);
          referenceBackend.matmul(expected, thresholded(x, t), w.data, dtype, rows, n, k, bias);
          const idx = new Int32Array(k);
          const count = ref.thresholdSelect(idx, x, rows, k, t, null);
          const out = new Float32Array(rows * n);
          if (rows === 1) ref.sparseGemvIm(out, x, idx, count, wt, dtype, n, k, bias);
          else ref.sparseMatmulIm(out, x, rows, k, idx, count, t, wt, dtype, n, bias);
          expect(relativeError(out, expected)).toBeLessThan(1e-6);
        }
      }
    });
  }
});

/** Every native case with its reference result, built once and checked under each ISA and thread count. */
interface Case {
  label: string;
  run(): Float32Array;
  expected: Float32Array;
}

function gemvCases(): Case[] {
  const rng = new Rng(2);
  const cases: Case[] = [];
  for (const dtype of DTYPES) {
    for (const [kk, n] of SHAPES) {
      for (const sparsity of [0, 0.5, 0.9]) {
        const { wt, x, t, bias } = problem(rng, kk, n, dtype, sparsity);
        const idx = new Int32Array(kk);
        const count = ref.thresholdSelect(idx, x, 1, kk, t, null);
        const expected = new Float32Array(n);
        ref.sparseGemvIm(expected, x, idx, count, wt, dtype, n, kk, bias);
        for (const split of ["auto", "inputs", "columns"] as SparseSplit[]) {
          cases.push({
            label: `gemv ${dtype} ${kk}x${n} s=${sparsity} ${split}`,
            expected,
            run: () => {
              const k = nativeActivationKernels(native!.addon);
              const mine = new Int32Array(kk);
              const kept = new Float64Array(1);
              const c = k.thresholdSelect(mine, x, 1, kk, t, kept);
              if (c !== count || kept[0] !== count || mine.subarray(0, c).some((v, i) => v !== idx[i])) throw new Error("thresholdSelect differs from the reference");
              const out = new Float32Array(n).fill(Number.NaN);
              k.sparseGemvIm(out, x, mine, c, wt, dtype, n, kk, bias, split);
              return out;
            },
          });
          // The one-call pair must select and multiply exactly like the two calls above.
          cases.push({
            label: `thresholdGemv ${dtype} ${kk}x${n} s=${sparsity} ${split}`,
            expected,
            run: () => {
              const k = nativeActivationKernels(native!.addon);
              const mine = new Int32Array(kk).fill(-1);
              const out = new Float32Array(n).fill(Number.NaN);
              const c = k.thresholdGemvIm(out, x, mine, t, wt, dtype, n, kk, bias, split);
              if (c !== count || mine.subarray(0, c).some((v, i) => v !== idx[i])) throw new Error("thresholdGemvIm selected other inputs than the reference");
              return out;
            },
          });
        }
      }
    }
  }
  return cases;
}

function matmulCases(): Case[] {
  const rng = new Rng(3);
  const cases: Case[] = [];
  for (const dtype of DTYPES) {
    for (const [kk, n] of SHAPES.slice(1)) {
      for (const rows of ROWS) {
        const { wt, x, t, bias } = problem(rng, kk, n, dtype, 0.6, rows);
        const keptR = new Float64Array(1);
        const unionIdx = new Int32Array(kk);
        const count = ref.thresholdSelect(unionIdx, x, rows, kk, t, keptR);
        const expected = new Float32Array(rows * n);
        ref.sparseMatmulIm(expected, x, rows, kk, null, kk, t, wt, dtype, n, bias);
        for (const mode of ["union", "dense"] as const) {
          cases.push({
            label: `matmul ${dtype} ${kk}x${n} rows=${rows} ${mode}`,
            expected,
            run: () => {
              const k = nativeActivationKernels(native!.addon);
              const idx = new Int32Array(kk);
              const kept = new Float64Array(1);
              const c = k.thresholdSelect(idx, x, rows, kk, t, kept);
              if (c !== count || kept[0] !== keptR[0] || idx.subarray(0, c).some((v, i) => v !== unionIdx[i])) throw new Error("thresholdSelect (rows > 1) differs from the reference");
              const out = new Float32Array(rows * n).fill(Number.NaN);
              k.sparseMatmulIm(out, x, rows, kk, mode === "union" ? idx : null, c, t, wt, dtype, n, bias);
              return out;
            },
          });
          // The one-call pair (a sample of the row counts: it runs the same two kernels).
          if ([2, 3, 4, 7, 17].includes(rows)) {
            cases.push({
              label: `thresholdMatmul ${dtype} ${kk}x${n} rows=${rows} ${mode}`,
              expected,
              run: () => {
                const k = nativeActivationKernels(native!.addon);
                const idx = new Int32Array(kk).fill(-1);
                const kept = new Float64Array(1);
                const out = new Float32Array(rows * n).fill(Number.NaN);
                const c = k.thresholdMatmulIm(out, x, rows, kk, idx, t, mode === "union", wt, dtype, n, bias, kept);
                if (c !== count || kept[0] !== keptR[0] || idx.subarray(0, c).some((v, i) => v !== unionIdx[i])) throw new Error("thresholdMatmulIm selected other inputs than the reference");
                return out;
              },
            });
          }
        }
      }
    }
  }
  return cases;
}

/**
 * Threshold selection alone, on inputs that hold what the vector compare must treat like the scalar
 * one (NaN, infinities, -0, values exactly at +-threshold), for every length mod 8 and 1-5 rows.
 * The result is returned as [count, kept, ...indices] so it compares like a product.
 */
function selectCases(): Case[] {
  const rng = new Rng(5);
  const cases: Case[] = [];
  const t = 0.5;
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, t, -t, Math.fround(t * (1 - 1e-7))];
  for (let kk = 1; kk <= 41; kk += 1 + (kk > 17 ? 7 : 0)) {
    for (const rows of [1, 2, 5]) {
      const x = randomVector(rng, rows * kk);
      for (let i = 0; i < x.length; i++) if (rng.next() < 0.3) x[i] = special[Math.floor(rng.next() * special.length)]!;
      const select = (kernels: typeof ref): Float32Array => {
        const idx = new Int32Array(kk).fill(-1);
        const kept = new Float64Array(1);
        const count = kernels.thresholdSelect(idx, x, rows, kk, t, kept);
        return Float32Array.from([count, kept[0]!, ...idx.subarray(0, count)]);
      };
      cases.push({ label: `thresholdSelect k=${kk} rows=${rows}`, expected: select(ref), run: () => select(nativeActivationKernels(native!.addon)) });
    }
  }
  return cases;
}

function catsCases(): Case[] {
  const rng = new Rng(4);
  const cases: Case[] = [];
  for (const dtype of DTYPES) {
    for (const [dim, hidden] of [[8, 9], [33, 70], [64, 172], [512, 1408]] as Array<[number, number]>) {
      const up = randomWeight(rng, hidden * dim, dtype).data;
      const downT = randomWeight(rng, hidden * dim, dtype).data;
      const act = randomVector(rng, hidden);
      const idx = new Int32Array(hidden);
      const count = ref.thresholdSelect(idx, act, 1, hidden, normalThreshold(0.5), null);
      for (const rows of [1, 3, 6]) {
        const x = randomVector(rng, rows * dim);
        const expected = new Float32Array(rows * count);
        ref.gatherRowsMatmul(expected, x, rows, idx, count, up, dtype, dim, hidden);
        cases.push({
          label: `gather ${dtype} ${dim}x${hidden} rows=${rows}`,
          expected,
          run: () => {
            const out = new Float32Array(rows * count).fill(Number.NaN);
            nativeActivationKernels(native!.addon).gatherRowsMatmul(out, x, rows, idx, count, up, dtype, dim, hidden);
            return out;
          },
        });
      }
      const x = randomVector(rng, dim);
      const expected = new Float32Array(dim);
      ref.catsMlpGemv(expected, x, act, idx, count, up, downT, dtype, dim, hidden);
      cases.push({
        label: `cats ${dtype} ${dim}x${hidden}`,
        expected,
        run: () => {
          const out = new Float32Array(dim).fill(Number.NaN);
          nativeActivationKernels(native!.addon).catsMlpGemv(out, x, act, idx, count, up, downT, dtype, dim, hidden);
          return out;
        },
      });
    }
  }
  return cases;
}

describe.skipIf(!native)("native activation-sparse kernels equal the reference twins", () => {
  const addon = native?.addon as NonNullable<typeof native>["addon"];
  const initialThreads = native ? addon.info().threads : 1;
  const groups = native
    ? { select: selectCases(), gemv: gemvCases(), matmul: matmulCases(), cats: catsCases() }
    : { select: [], gemv: [], matmul: [], cats: [] };
  afterAll(() => {
    addon.setIsa("auto");
    addon.setThreads(initialThreads);
  });

  // The AVX-512 tier has its own input-major products only (sparseGemvIm, sparseMatmulIm); the
  // select and CATS groups would run the AVX2 code again under it.
  const cpu = native ? addon.info().cpu : { avx512f: false };
  const tiers = [...(cpu.avx512f ? (["avx512"] as const) : []), "avx2" as const, "portable" as const];
  for (const isa of tiers) {
    for (const threads of [1, 2]) {
      for (const [name, cases] of Object.entries(groups)) {
        if (isa === "avx512" && (name === "select" || name === "cats")) continue;
        it(`${name} (${isa}, ${threads} threads)`, () => {
          expect(addon.setIsa(isa)).toBe(isa === "avx2" && !addon.info().cpu.avx2 ? "portable" : isa);
          addon.setThreads(threads);
          for (const c of cases) expect(relativeError(c.run(), c.expected), c.label).toBeLessThan(TOL);
        });
      }
    }
  }

  it("reports its kernel variants per instruction set", () => {
    const k = nativeActivationKernels(addon);
    addon.setIsa("portable");
    expect(k.variant("sparseGemvIm")).toMatch(/^portable-/);
    if (addon.info().cpu.avx2) {
      addon.setIsa("avx2");
      expect(k.variant("sparseGemvIm")).toMatch(/^avx2-/);
      expect(k.variant("sparseMatmulIm")).not.toMatch(/avx512/);
    }
    if (addon.info().cpu.avx512f) {
      addon.setIsa("avx512");
      expect(k.variant("sparseGemvIm")).toMatch(/^avx512-/);
      expect(k.variant("sparseMatmulIm")).toMatch(/^avx512-.*\|panels/);
    }
    addon.setIsa("auto");
  });
});
