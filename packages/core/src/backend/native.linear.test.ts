/**
 * Parity of the native linear kernels (matmul, gemv) with the TypeScript reference: every weight
 * dtype, every CPU variant the CPU has (AVX-512, AVX2, portable), 1 and 2 threads, odd shapes and
 * shapes that cross the packed GEMM's block boundaries, with and without bias. Also: bad arguments
 * throw a JS error naming the argument instead of crashing. Skips when the addon is not built.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gemv as refGemv, matmul as refMatmul } from "../ops/reference/matmul.js";
import { nativeBackendOrNull, randomF32, randomWeights, Rng } from "../testing/parity.js";
import type { WeightData, WeightDType } from "./kernels.js";

const native = nativeBackendOrNull();

const DTYPES: WeightDType[] = ["f32", "f16", "bf16"];
const M_SIZES = [1, 2, 3, 7, 13, 17, 64, 100];
const N_SIZES = [1, 5, 33, 257];
const K_SIZES = [1, 3, 15, 64, 129, 1000];
// [m, n, k] crossing the packed GEMMs' blocks (MC = 144 rows; KC = 256 deep in AVX2, 192 in
// AVX-512; NC = 2048 columns), the streaming/packed switch (m = 64 / 65), the streaming kernels'
// 12-row groups, 4- and 8-row x tiles and 128 / 256-deep chunks, and partial register tiles (6x16
// and 12x32).
const BLOCK_SHAPES: [number, number, number][] = [
  [5, 70, 300],
  [16, 70, 520],
  [64, 9, 777],
  [65, 40, 513],
  [150, 37, 520],
  [200, 300, 700],
  [70, 2100, 40],
  [20, 4100, 20],
];
const GEMV_N = [1, 5, 33, 257, 1000];
const GEMV_K = [1, 3, 15, 64, 129, 1000, 4099];

// f32 accumulation of a k-term dot product errs by about sqrt(k) * 2^-24 of sum |x_p * w_p|.
const TOLERANCE = 1e-5;

interface Config {
  isa: "avx512" | "avx2" | "portable";
  threads: number;
}

/** The f16/bf16 bit patterns (or f32 values) with the sign cleared: |w| in the same dtype. */
function absWeights(w: WeightData): WeightData {
  if (w instanceof Float32Array) return w.map(Math.abs);
  return w.map((bits) => bits & 0x7fff);
}

/**
 * max |actual - expected| over the largest sum_p |x_p * w_p| + |bias| of any output: a relative
 * error that does not blow up when an output happens to cancel to nearly zero.
 */
function scaledError(actual: Float32Array, expected: Float32Array, scale: Float32Array): number {
  let maxDiff = 0;
  let maxScale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    maxScale = Math.max(maxScale, scale[i]!);
  }
  return maxDiff / Math.max(maxScale, 1e-30);
}

describe.skipIf(!native)("native matmul and gemv match the reference", () => {
  // vitest collects a skipped describe's body too: touch the addon only when it loaded.
  const addon = native?.addon as NonNullable<typeof native>["addon"];
  const cpu = native ? addon.info().cpu : { avx2: false, fma: false, f16c: false, avx512f: false };
  const hasAvx2 = cpu.avx2 && cpu.fma && cpu.f16c;
  const hasAvx512 = hasAvx2 && cpu.avx512f;
  const isas = [...(hasAvx512 ? (["avx512"] as const) : []), ...(hasAvx2 ? (["avx2"] as const) : []), "portable" as const];
  const configs: Config[] = [];
  for (const isa of isas) {
    for (const threads of [1, 2]) configs.push({ isa, threads });
  }
  let initialThreads = 1;

  beforeAll(() => {
    initialThreads = addon.info().threads;
  });
  afterAll(() => {
    addon.setIsa("auto");
    addon.setThreads(initialThreads);
  });

  function select(config: Config): void {
    expect(addon.setIsa(config.isa)).toBe(config.isa);
    expect(addon.setThreads(config.threads)).toBe(config.threads);
  }

  /** Runs `shapes` through reference and native in every config; returns the failures. */
  function checkMatmul(dtype: WeightDType, shapes: [number, number, number][], seed: number): string[] {
    const failures: string[] = [];
    shapes.forEach(([m, n, k], index) => {
      const rng = new Rng(seed + index);
      const x = randomF32(rng, m * k);
      const { data: w } = randomWeights(rng, n * k, dtype);
      const bias = randomF32(rng, n);
      const scale = new Float32Array(m * n);
      refMatmul(scale, x.map(Math.abs), absWeights(w), dtype, m, n, k, bias.map(Math.abs));
      for (const withBias of [false, true]) {
        const b = withBias ? bias : null;
        const expected = new Float32Array(m * n);
        refMatmul(expected, x, w, dtype, m, n, k, b);
        for (const config of configs) {
          select(config);
          const out = new Float32Array(m * n).fill(Number.NaN);
          native!.matmul(out, x, w, dtype, m, n, k, b);
          const err = scaledError(out, expected, scale);
          if (!(err < TOLERANCE)) {
            failures.push(`m=${m} n=${n} k=${k} bias=${withBias} ${config.isa} x${config.threads}: error ${err}`);
          }
        }
      }
    });
    return failures;
  }

  for (const dtype of DTYPES) {
    it(`matmul ${dtype}: odd shapes, every ISA tier, 1 and 2 threads, with and without bias`, () => {
      const shapes: [number, number, number][] = [];
      for (const m of M_SIZES) for (const n of N_SIZES) for (const k of K_SIZES) shapes.push([m, n, k]);
      expect(checkMatmul(dtype, shapes, 1000)).toEqual([]);
    });

    it(`matmul ${dtype}: shapes across the packed kernel's block boundaries`, () => {
      expect(checkMatmul(dtype, BLOCK_SHAPES, 2000)).toEqual([]);
    });

    it(`gemv ${dtype}: odd shapes, every ISA tier, 1 and 2 threads, with and without bias`, () => {
      const failures: string[] = [];
      let seed = 3000;
      for (const n of GEMV_N) {
        for (const k of GEMV_K) {
          const rng = new Rng(seed++);
          const x = randomF32(rng, k);
          const { data: w } = randomWeights(rng, n * k, dtype);
          const bias = randomF32(rng, n);
          const scale = new Float32Array(n);
          refGemv(scale, x.map(Math.abs), absWeights(w), dtype, n, k, bias.map(Math.abs));
          for (const withBias of [false, true]) {
            const b = withBias ? bias : null;
            const expected = new Float32Array(n);
            refGemv(expected, x, w, dtype, n, k, b);
            for (const config of configs) {
              select(config);
              const out = new Float32Array(n).fill(Number.NaN);
              native!.gemv(out, x, w, dtype, n, k, b);
              const err = scaledError(out, expected, scale);
              if (!(err < TOLERANCE)) {
                failures.push(`n=${n} k=${k} bias=${withBias} ${config.isa} x${config.threads}: error ${err}`);
              }
            }
          }
        }
      }
      expect(failures).toEqual([]);
    });

    // The AVX2 GEMV cuts each thread's rows into 8 contiguous streams and runs the rows left over
    // (rows per thread % 8) as one group; its inner step is one 64-byte line per row (16 f32 or
    // 32 f16/bf16 weights), then 8-wide steps, then a scalar tail. These shapes put leftovers of
    // 1..7 rows on each thread (1 and 2 threads) and k across every one of those steps, plus the
    // decode shapes of synth:llama-110m.
    it(`gemv ${dtype}: row streams with leftover rows, k across the line / 8-wide / scalar steps`, () => {
      const shapes: [number, number][] = [
        [131, 777],
        [23, 45],
        [16, 100],
        [9, 33],
        [2055, 31],
        [768, 768],
        [768, 2048],
      ];
      const failures: string[] = [];
      shapes.forEach(([n, k], index) => {
        const rng = new Rng(4000 + index);
        const x = randomF32(rng, k);
        const { data: w } = randomWeights(rng, n * k, dtype);
        const bias = randomF32(rng, n);
        const scale = new Float32Array(n);
        refGemv(scale, x.map(Math.abs), absWeights(w), dtype, n, k, bias.map(Math.abs));
        const expected = new Float32Array(n);
        refGemv(expected, x, w, dtype, n, k, bias);
        for (const config of configs) {
          select(config);
          const out = new Float32Array(n).fill(Number.NaN);
          native!.gemv(out, x, w, dtype, n, k, bias);
          const err = scaledError(out, expected, scale);
          if (!(err < TOLERANCE)) failures.push(`n=${n} k=${k} ${config.isa} x${config.threads}: error ${err}`);
        }
      });
      expect(failures).toEqual([]);
    });

    // Within one ISA tier the GEMV and the small-batch kernel sum every output in the same order,
    // so a batch row equals the row computed alone bit for bit, with any thread count: a request
    // gets the same tokens whether or not it shares a decode batch.
    for (const isa of isas.filter((i) => i !== "portable")) {
      it(`${isa} ${dtype}: gemv equals the same row of matmul (m <= 64) bit for bit`, () => {
        const failures: string[] = [];
        const shapes: [number, number, number][] = [
          [3, 131, 777],
          [5, 23, 45],
          [2, 768, 768],
          [17, 9, 1000],
          [64, 40, 1037],
        ];
        shapes.forEach(([m, n, k], index) => {
          const rng = new Rng(5000 + index);
          const x = randomF32(rng, m * k);
          const { data: w } = randomWeights(rng, n * k, dtype);
          const bias = randomF32(rng, n);
          for (const threads of [1, 2]) {
            select({ isa, threads });
            const batched = new Float32Array(m * n);
            native!.matmul(batched, x, w, dtype, m, n, k, bias);
            for (const rowThreads of [1, 2]) {
              select({ isa, threads: rowThreads });
              for (let r = 0; r < m; r++) {
                const alone = new Float32Array(n);
                native!.gemv(alone, x.subarray(r * k, (r + 1) * k), w, dtype, n, k, bias);
                const differing = alone.filter((v, j) => !Object.is(v, batched[r * n + j])).length;
                if (differing > 0) {
                  failures.push(`m=${m} n=${n} k=${k} row ${r}, matmul x${threads} vs gemv x${rowThreads}: ${differing} differ`);
                }
              }
            }
          }
        });
        expect(failures).toEqual([]);
      });
    }
  }

  it("writes nothing past out and handles empty products", () => {
    for (const config of configs) {
      select(config);
      // out longer than m * n: the tail must stay untouched.
      const rng = new Rng(7);
      const [m, n, k] = [13, 21, 37];
      const x = randomF32(rng, m * k);
      const w = randomF32(rng, n * k);
      const out = new Float32Array(m * n + 5).fill(42);
      native!.matmul(out, x, w, "f32", m, n, k, null);
      expect(Array.from(out.subarray(m * n))).toEqual([42, 42, 42, 42, 42]);
      // k = 0: out = bias (or 0).
      const bias = Float32Array.from([1, 2, 3]);
      const empty = new Float32Array(6).fill(Number.NaN);
      native!.matmul(empty, new Float32Array(0), new Float32Array(0), "f32", 2, 3, 0, bias);
      expect(Array.from(empty)).toEqual([1, 2, 3, 1, 2, 3]);
      const gv = new Float32Array(3).fill(Number.NaN);
      native!.gemv(gv, new Float32Array(0), new Uint16Array(0), "f16", 3, 0, null);
      expect(Array.from(gv)).toEqual([0, 0, 0]);
    }
  });

  it("reports the kernel variant of the active ISA", () => {
    if (hasAvx2) {
      addon.setIsa("avx2");
      expect(native!.describe().kernels.matmul).toMatch(/^avx2/);
      expect(native!.describe().kernels.gemv).toMatch(/^avx2/);
    } else {
      expect(addon.setIsa("avx2")).toBe("portable");
    }
    if (hasAvx512) {
      expect(addon.setIsa("avx512")).toBe("avx512");
      expect(native!.describe().kernels.matmul).toMatch(/^avx512-8rowstreams\(m<=64\)\+packed-12x32/);
      expect(native!.describe().kernels.gemv).toMatch(/^avx512/);
      expect(native!.describe().kernels.rmsNorm).toBe("avx2");
    } else {
      expect(addon.setIsa("avx512")).toBe(hasAvx2 ? "avx2" : "portable");
    }
    addon.setIsa("portable");
    expect(native!.describe().isa).toBe("portable");
    expect(native!.describe().kernels.matmul).toMatch(/^portable/);
    expect(addon.setIsa("auto")).toBe(hasAvx512 ? "avx512" : hasAvx2 ? "avx2" : "portable");
  });

  describe("bad arguments throw a JS error naming the argument", () => {
    const f32 = (n: number) => new Float32Array(n);
    const u16 = (n: number) => new Uint16Array(n);
    // Casts for calls the types would reject: the addon must still refuse them at run time.
    const anyArg = (v: unknown) => v as never;

    it("matmul", () => {
      const ok = () => addon.matmul(f32(6), f32(8), f32(12), 0, 2, 3, 4, f32(3));
      expect(ok).not.toThrow();
      expect(() => addon.matmul(anyArg(new Float64Array(6)), f32(8), f32(12), 0, 2, 3, 4, null)).toThrow(TypeError);
      expect(() => addon.matmul(anyArg(new Float64Array(6)), f32(8), f32(12), 0, 2, 3, 4, null)).toThrow(/out/);
      expect(() => addon.matmul(f32(6), anyArg([0, 0, 0, 0, 0, 0, 0, 0]), f32(12), 0, 2, 3, 4, null)).toThrow(/\(x\)/);
      expect(() => addon.matmul(f32(5), f32(8), f32(12), 0, 2, 3, 4, null)).toThrow(RangeError);
      expect(() => addon.matmul(f32(6), f32(7), f32(12), 0, 2, 3, 4, null)).toThrow(/x has 7 elements, needs 8/);
      expect(() => addon.matmul(f32(6), f32(8), f32(11), 0, 2, 3, 4, null)).toThrow(/w has 11 elements, needs 12/);
      expect(() => addon.matmul(f32(6), f32(8), u16(11), 1, 2, 3, 4, null)).toThrow(/w has 11 elements/);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 1, 2, 3, 4, null)).toThrow(TypeError);
      expect(() => addon.matmul(f32(6), f32(8), u16(12), 0, 2, 3, 4, null)).toThrow(/\(w/);
      expect(() => addon.matmul(f32(6), f32(8), u16(12), 3, 2, 3, 4, null)).toThrow(RangeError);
      expect(() => addon.matmul(f32(6), f32(8), u16(12), 1.5, 2, 3, 4, null)).toThrow(/wdt/);
      expect(() => addon.matmul(f32(6), f32(8), u16(12), anyArg("f16"), 2, 3, 4, null)).toThrow(TypeError);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, -2, 3, 4, null)).toThrow(/\(m\)/);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, 2, 2.5, 4, null)).toThrow(/\(n\)/);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, 2, 3, anyArg("4"), null)).toThrow(TypeError);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, 2, 3, Number.NaN, null)).toThrow(/\(k\)/);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, 2, 3, 4, f32(2))).toThrow(/bias has 2 elements, needs 3/);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, 2, 3, 4, f32(0))).toThrow(/bias/);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, 2, 3, 4, anyArg(new Int32Array(3)))).toThrow(TypeError);
      expect(() => addon.matmul(f32(6), f32(8), f32(12), 0, 2 ** 40, 2 ** 40, 4, null)).toThrow(RangeError);
      const loose = addon.matmul as unknown as (...a: unknown[]) => void;
      expect(() => loose(f32(6), f32(8))).toThrow(TypeError);
      // out sharing memory with an input would be read while written.
      const shared = f32(20);
      expect(() => addon.matmul(shared.subarray(0, 6), shared.subarray(4, 12), f32(12), 0, 2, 3, 4, null)).toThrow(/share memory with x/);
      expect(ok).not.toThrow();
    });

    it("gemv", () => {
      expect(() => addon.gemv(f32(3), f32(4), f32(12), 0, 3, 4, null)).not.toThrow();
      expect(() => addon.gemv(f32(2), f32(4), f32(12), 0, 3, 4, null)).toThrow(/out has 2 elements, needs 3/);
      expect(() => addon.gemv(f32(3), f32(3), f32(12), 0, 3, 4, null)).toThrow(/x has 3 elements, needs 4/);
      expect(() => addon.gemv(f32(3), f32(4), u16(11), 2, 3, 4, null)).toThrow(/w has 11 elements, needs 12/);
      expect(() => addon.gemv(f32(3), f32(4), f32(12), 2, 3, 4, null)).toThrow(TypeError);
      expect(() => addon.gemv(f32(3), f32(4), f32(12), -1, 3, 4, null)).toThrow(/wdt/);
      expect(() => addon.gemv(f32(3), f32(4), f32(12), 0, 3, 4, f32(1))).toThrow(/bias/);
      expect(() => addon.gemv(f32(3), f32(4), f32(12), 0, anyArg(null), 4, null)).toThrow(/\(n\)/);
      expect(() => addon.gemv(anyArg(new Int32Array(3)), f32(4), f32(12), 0, 3, 4, null)).toThrow(/\(out\)/);
    });

    it("runtime setters", () => {
      expect(() => addon.setThreads(0)).toThrow(RangeError);
      expect(() => addon.setThreads(anyArg("2"))).toThrow(TypeError);
      expect(() => addon.setIsa(anyArg("sse2"))).toThrow(/isa/);
      expect(() => addon.setIsa(anyArg(1))).toThrow(TypeError);
      expect(() => addon.measureReadBandwidth(-1, 1, 1)).toThrow(RangeError);
      expect(() => addon.measureFmaPeak(0, 10)).toThrow(RangeError);
    });
  });
});
