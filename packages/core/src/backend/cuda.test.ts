/**
 * The CUDA kernels behind addon.cuda.* (host arrays in, host arrays out) against the native CPU
 * kernels: gemv and matmul for every weight dtype with odd shapes, TEAL's sparse GEMV (threshold
 * and index-list entry points), rmsNorm, rope in both styles with partial rotary, and paged
 * attention with GQA/MQA over shuffled pages and ragged batches.
 * These skip, saying why, when the addon is missing or no CUDA device is usable; the full GPU
 * check (timings included) is tooling/gpu/run.sh.
 *
 * Everywhere the addon loads: info().cuda is well formed, says compiled when the addon's build
 * found nvcc, and an unavailable CUDA makes every addon.cuda.* call throw with the reason.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { NativeCudaOps } from "@sieve/cuda-kernels";
import { loadNativeBackend, type NativeBackend } from "./native.js";
import { ROPE_STYLE_CODE, WEIGHT_DTYPE_CODE, type RopeStyle, type WeightDType } from "./kernels.js";
import { nativeBackendOrNull, randomF32, randomWeights, relativeError, Rng } from "../testing/parity.js";
import { buildPagedScenario, chunk } from "../testing/paged-scenario.js";

const native = nativeBackendOrNull();
const cudaStatus = native?.addon.info().cuda;
const cudaReady = cudaStatus?.available === true;
const skipReason = !native ? "the native addon is not built" : `CUDA is unavailable: ${cudaStatus?.reason}`;

const DTYPES: WeightDType[] = ["f32", "f16", "bf16"];
// f32 arithmetic in another summation order (and fast-math exp/rsqrt on the GPU).
const F32_BOUND = 1e-4;
// The tensor-core GEMM (f16/bf16 weights, m > 1) rounds x to f16 or tf32: unit roundoff 2^-11.
const TENSOR_CORE_BOUND = 2e-3;

/**
 * Whether the loaded addon's build found nvcc, read from the CMake cache beside it
 * (build/CMakeCache.txt for build/Release/sieve_kernels.node); undefined when there is none.
 */
function builtWithNvcc(): boolean | undefined {
  const loaded = loadNativeBackend();
  if (!loaded.ok) return undefined;
  const cache = join(dirname(dirname(loaded.path)), "CMakeCache.txt");
  if (!existsSync(cache)) return undefined;
  const text = readFileSync(cache, "utf8");
  const cudaOption = /^SIEVE_CUDA:BOOL=(\w+)$/m.exec(text)?.[1];
  const compiler = /^CMAKE_CUDA_COMPILER:\w+=(.*)$/m.exec(text)?.[1]?.trim() ?? "";
  const enabled = cudaOption === undefined || !/^(OFF|0|FALSE|NO)$/i.test(cudaOption);
  return enabled && compiler !== "" && !compiler.endsWith("NOTFOUND");
}

// Suite bodies run at collection time even when skipped, so the addon is only touched inside tests.
describe.skipIf(!native)("CUDA status", () => {
  it("info().cuda is well formed and matches how the addon was built", () => {
    const s = native!.addon.info().cuda;
    expect(typeof s.compiled).toBe("boolean");
    expect(typeof s.available).toBe("boolean");
    expect(typeof s.deviceCount).toBe("number");
    expect(s.reason.length).toBeGreaterThan(0);
    if (s.available) expect(s.compiled).toBe(true);
    const expected = builtWithNvcc();
    if (expected !== undefined) expect(s.compiled, `CMake cache says nvcc ${expected ? "was" : "was not"} used`).toBe(expected);
  });

  it.skipIf(cudaReady)("every addon.cuda op throws the reason when CUDA is unavailable", () => {
    const addon = native!.addon;
    const reason = addon.info().cuda.reason;
    const f = (n: number) => new Float32Array(n);
    const i = (n: number) => new Int32Array(n);
    const calls: Array<[string, () => void]> = [
      ["gemv", () => addon.cuda.gemv(f(2), f(3), f(6), 0, 2, 3, null)],
      ["matmul", () => addon.cuda.matmul(f(4), f(6), f(6), 0, 2, 2, 3, null)],
      ["rmsNorm", () => addon.cuda.rmsNorm(f(4), f(4), f(2), 2, 2, 1e-5)],
      ["rope", () => addon.cuda.rope(f(4), i(1), 1, 1, 4, f(2), 0)],
      ["pagedAttention", () => addon.cuda.pagedAttention(f(2), f(2), f(2), f(2), i(1), i(1), i(1), 1, 1, 1, 2, 1, 1, 1)],
      ["thresholdGemvIm", () => addon.cuda.thresholdGemvIm(f(2), f(3), 0.5, f(6), 0, 2, 3, null)],
      ["sparseGemvIm", () => addon.cuda.sparseGemvIm(f(2), f(3), i(1), 1, f(6), 0, 2, 3, null)],
    ];
    for (const [name, call] of calls) {
      let message = "";
      try {
        call();
      } catch (err) {
        expect(err, name).toBeInstanceOf(Error);
        message = (err as Error).message;
      }
      expect(message, `addon.cuda.${name} should throw`).toContain("CUDA unavailable");
      expect(message, name).toContain(reason);
    }
  });
});

describe.skipIf(!cudaReady)(`CUDA kernels match the native CPU kernels${cudaReady ? "" : ` (skipped: ${skipReason})`}`, () => {
  // native is null only when this suite is skipped (its body still runs at collection).
  const nb = native as NativeBackend;
  const cuda = native?.addon.cuda as NativeCudaOps;

  it("gemv: every dtype, odd shapes, with and without bias", () => {
    const rng = new Rng(901);
    const shapes: Array<[number, number, boolean]> = [[1, 1, false], [7, 13, true], [33, 100, false], [64, 256, true], [257, 1031, true], [3, 4100, false]];
    for (const dtype of DTYPES) {
      for (const [n, k, withBias] of shapes) {
        const x = randomF32(rng, k);
        const w = randomWeights(rng, n * k, dtype).data;
        const bias = withBias ? randomF32(rng, n) : null;
        const want = new Float32Array(n);
        const got = new Float32Array(n);
        nb.gemv(want, x, w, dtype, n, k, bias);
        cuda.gemv(got, x, w, WEIGHT_DTYPE_CODE[dtype], n, k, bias);
        expect(relativeError(got, want), `${dtype} n=${n} k=${k}`).toBeLessThan(F32_BOUND);
      }
    }
  });

  it("TEAL sparse GEMV (thresholdGemvIm, sparseGemvIm): every dtype, odd shapes, several sparsities", () => {
    const rng = new Rng(907);
    const addon = nb.addon;
    // [k, n, fraction of inputs under the threshold, bias]
    const cases: Array<[number, number, number, boolean]> = [
      [1, 1, 0, false], [7, 9, 0.5, true], [300, 257, 0.4, true], [513, 64, 0.9, false], [600, 96, 1, true], [1000, 1000, 0.65, true],
    ];
    for (const dtype of DTYPES) {
      for (const [k, n, sparsity, withBias] of cases) {
        const x = randomF32(rng, k);
        const wt = randomWeights(rng, k * n, dtype).data;
        const bias = withBias ? randomF32(rng, n) : null;
        const sorted = Array.from(x, Math.abs).sort((a, b) => a - b);
        const threshold = sparsity >= 1 ? 2 * sorted[k - 1]! + 1 : sparsity > 0 ? sorted[Math.floor(sparsity * k)]! : 0;
        const idx = new Int32Array(k);
        const want = new Float32Array(n);
        const count = addon.thresholdGemvIm(want, x, idx, threshold, wt, WEIGHT_DTYPE_CODE[dtype], n, k, bias, 0);
        const got = new Float32Array(n).fill(NaN);
        cuda.thresholdGemvIm(got, x, threshold, wt, WEIGHT_DTYPE_CODE[dtype], n, k, bias);
        expect(relativeError(got, want), `threshold ${dtype} k=${k} n=${n} s=${sparsity}`).toBeLessThan(F32_BOUND);
        got.fill(NaN);
        cuda.sparseGemvIm(got, x, idx, count, wt, WEIGHT_DTYPE_CODE[dtype], n, k, bias);
        expect(relativeError(got, want), `index list ${dtype} k=${k} n=${n} s=${sparsity}`).toBeLessThan(F32_BOUND);
      }
    }
  });

  it("sparseGemvIm refuses an index outside [0, k) or out of order before touching the device", () => {
    const call = (idx: Int32Array) =>
      cuda.sparseGemvIm(new Float32Array(2), new Float32Array(3), idx, idx.length, new Float32Array(6), 0, 2, 3, null);
    expect(() => call(Int32Array.of(0, 5))).toThrow(/idx\[1\] = 5 is outside \[0, k = 3\)/);
    expect(() => call(Int32Array.of(2, 1))).toThrow(/not strictly ascending at 1/);
  });

  it("matmul: every dtype, odd shapes below and above the 128x128 tiles", () => {
    const rng = new Rng(902);
    const shapes: Array<[number, number, number, boolean]> = [
      [1, 64, 96, true], [2, 3, 5, false], [5, 300, 8, true], [17, 33, 65, true], [129, 130, 131, false], [64, 128, 256, true],
    ];
    for (const dtype of DTYPES) {
      for (const [m, n, k, withBias] of shapes) {
        const x = randomF32(rng, m * k);
        const w = randomWeights(rng, n * k, dtype).data;
        const bias = withBias ? randomF32(rng, n) : null;
        const want = new Float32Array(m * n);
        const got = new Float32Array(m * n).fill(NaN);
        nb.matmul(want, x, w, dtype, m, n, k, bias);
        cuda.matmul(got, x, w, WEIGHT_DTYPE_CODE[dtype], m, n, k, bias);
        const bound = dtype !== "f32" && m > 1 ? TENSOR_CORE_BOUND : F32_BOUND;
        expect(relativeError(got, want), `${dtype} m=${m} n=${n} k=${k}`).toBeLessThan(bound);
      }
    }
  });

  it("rmsNorm: odd and vector-width rows, in place too", () => {
    const rng = new Rng(903);
    for (const [rows, dim] of [[1, 1], [3, 7], [5, 4096], [9, 4099]] as const) {
      const x = randomF32(rng, rows * dim, 3);
      const weight = randomF32(rng, dim);
      const want = new Float32Array(rows * dim);
      const got = new Float32Array(rows * dim);
      nb.rmsNorm(want, x, weight, rows, dim, 1e-5);
      cuda.rmsNorm(got, x, weight, rows, dim, 1e-5);
      expect(relativeError(got, want), `rows=${rows} dim=${dim}`).toBeLessThan(F32_BOUND);
      const inPlace = x.slice();
      cuda.rmsNorm(inPlace, inPlace, weight, rows, dim, 1e-5);
      expect(relativeError(inPlace, want), `in place rows=${rows} dim=${dim}`).toBeLessThan(F32_BOUND);
    }
  });

  it("rope: both styles, partial rotary, positions up to 131072", () => {
    const rng = new Rng(904);
    const cases: Array<[number, number, number, number, number]> = [[1, 1, 2, 1, 10], [5, 4, 64, 32, 4096], [9, 3, 80, 16, 2048], [4, 2, 7, 3, 100], [37, 8, 128, 64, 131072]];
    for (const style of ["interleaved", "half"] as RopeStyle[]) {
      for (const [rows, nHeads, headDim, nFreq, maxPos] of cases) {
        const invFreq = Float32Array.from({ length: nFreq }, (_, i) => 1 / Math.pow(500000, i / nFreq));
        const positions = Int32Array.from({ length: rows }, (_, r) => (r === 0 ? 0 : rng.int(maxPos)));
        const x = randomF32(rng, rows * nHeads * headDim);
        const want = x.slice();
        const got = x.slice();
        nb.rope(want, positions, rows, nHeads, headDim, invFreq, style);
        cuda.rope(got, positions, rows, nHeads, headDim, invFreq, ROPE_STYLE_CODE[style]);
        expect(relativeError(got, want), `${style} rows=${rows} heads=${nHeads} hd=${headDim} nFreq=${nFreq}`).toBeLessThan(1e-5);
      }
    }
  });

  it("pagedAttention: GQA/MQA, shuffled pages, ragged prefill + decode batches", () => {
    const rng = new Rng(905);
    const geometries = [
      { nHeads: 4, nKvHeads: 4, headDim: 64, pageSize: 16 },
      { nHeads: 8, nKvHeads: 2, headDim: 128, pageSize: 7 },
      { nHeads: 6, nKvHeads: 1, headDim: 13, pageSize: 1 },
      { nHeads: 32, nKvHeads: 8, headDim: 128, pageSize: 16 },
    ];
    const batches = [
      { seqLens: [1, 40, 17], queries: [{ seq: 2, pos: 16 }, { seq: 0, pos: 0 }, { seq: 1, pos: 39 }] },
      { seqLens: [45, 33, 3], queries: [{ seq: 1, pos: 32 }, ...chunk(0, 20, 25), { seq: 2, pos: 2 }] },
      { seqLens: [700], queries: [{ seq: 0, pos: 699 }] },
    ];
    for (const g of geometries) {
      for (const b of batches) {
        const { args } = buildPagedScenario(rng, { ...g, ...b });
        const want = new Float32Array(args.out.length);
        const got = new Float32Array(args.out.length).fill(NaN);
        nb.pagedAttention({ ...args, out: want });
        cuda.pagedAttention(
          got, args.q, args.kPool, args.vPool, args.blockTable, args.tokenSeq, args.tokenPos,
          args.numTokens, args.nHeads, args.nKvHeads, args.headDim, args.pageSize, args.maxPagesPerSeq, args.scale,
        );
        const label = `H=${g.nHeads}/${g.nKvHeads} hd=${g.headDim} ps=${g.pageSize} lens=${b.seqLens.join(",")}`;
        expect(relativeError(got, want), label).toBeLessThan(F32_BOUND);
      }
    }
  });

  it("bad arguments throw a RangeError before anything reaches the device", () => {
    expect(() => cuda.gemv(new Float32Array(1), new Float32Array(3), new Float32Array(6), 0, 2, 3, null)).toThrow(RangeError);
    expect(() => cuda.matmul(new Float32Array(4), new Float32Array(6), new Uint16Array(6), 3, 2, 2, 3, null)).toThrow(RangeError);
    expect(() => cuda.rope(new Float32Array(4), new Int32Array(1), 1, 1, 4, new Float32Array(3), 0)).toThrow(RangeError);
  });
});
