/**
 * Linear-kernel benchmark: GEMV (decode), small-batch matmul (batched decode) and GEMM (prefill)
 * for the native and reference backends, next to the two ceilings of this machine measured in
 * the same run (streaming read bandwidth, FMA peak: the widest FMA the CPU has). Native rows run
 * once under each instruction-set tier the CPU has (backend "native/avx512", "native/avx2"), back
 * to back on weights of the same shape, so the tiers compare within one run. Prints a table;
 * `--json FILE` also writes the results as JSON; `--quick` runs small sizes only (a few seconds).
 *
 *   pnpm --filter @sieve/core bench            full run (< 3 minutes)
 *   pnpm --filter @sieve/core demo             the same with --quick
 *
 * How to read it:
 * - "% ceiling" is a roofline: the time floor of a call is the larger of (weight bytes / read
 *   bandwidth) and (flops / FMA peak) for its thread count, and the column shows floor / time and
 *   which ceiling binds. GEMV is a memory stream; GEMM is compute; batched decode (small m) is
 *   memory-bound in f32 and becomes compute-bound in f16/bf16 around m = 8 on 2 cores.
 * - GB/s counts weight bytes. Weights of 64 MB and more are "cold": the run cycles
 *   through copies totalling >= 1 GiB, so no call finds its weights in a cache (this machine's
 *   last-level cache may be hundreds of MB). Smaller sizes are cache-resident by design and can
 *   exceed the DRAM ceiling.
 * - GFLOP/s counts 2 m n k flops per call.
 * - Times are the best of several batches (noise only ever slows a run down), like the ceilings.
 * - The TypeScript reference kernels are slow, so they are timed at small sizes only.
 */
import { writeFileSync } from "node:fs";
import { loadNativeBackend, type NativeBackend } from "../src/backend/native.js";
import type { WeightData, WeightDType } from "../src/backend/kernels.js";
import { gemv as refGemv, matmul as refMatmul } from "../src/ops/reference/matmul.js";
import { f32ToBf16Bits, f32ToF16Bits } from "../src/tensor/half.js";
import { Rng } from "../src/tensor/rng.js";

interface Options {
  quick: boolean;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { quick: false, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") options.quick = true;
    else if (a === "--json") {
      const file = argv[++i];
      if (!file) throw new Error("--json needs a file name");
      options.json = file;
    } else if (a.startsWith("--json=")) options.json = a.slice("--json=".length);
    else throw new Error(`unknown argument ${a} (expected --quick, --json FILE)`);
  }
  return options;
}

/** Native tiers with their own linear kernels; each native case runs under every one the CPU has. */
type NativeTier = "avx512" | "avx2" | "portable";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const DTYPES: WeightDType[] = ["f32", "f16", "bf16"];
const bytesPerWeight = (d: WeightDType): number => (d === "f32" ? 4 : 2);

// ---- inputs ---------------------------------------------------------------------------------------

/**
 * Weights of a dtype: a 1M-element random block repeated (generating hundreds of MB of normals
 * in JS would take longer than the benchmark; the values do not change the speed).
 */
function makeWeights(count: number, dtype: WeightDType, rng: Rng): WeightData {
  const blockLen = Math.min(count, 1 << 20);
  const block = rng.fillNormal(new Float32Array(blockLen), 0, 0.02);
  let data: WeightData;
  if (dtype === "f32") {
    data = new Float32Array(count);
    data.set(block);
  } else {
    const toBits = dtype === "f16" ? f32ToF16Bits : f32ToBf16Bits;
    data = new Uint16Array(count);
    for (let i = 0; i < blockLen; i++) data[i] = toBits(block[i]!);
  }
  for (let filled = blockLen; filled < count; filled *= 2) data.copyWithin(filled, 0, Math.min(filled, count - filled));
  return data;
}

/** `copies` distinct buffers (so that cycling through them defeats the caches). */
function copiesOf(w: WeightData, copies: number): WeightData[] {
  const list = [w];
  for (let i = 1; i < copies; i++) list.push(w.slice());
  return list;
}

// ---- timing ---------------------------------------------------------------------------------------

interface Timing {
  best: number; // seconds per call
  median: number;
  calls: number;
}

/**
 * Calls fn(i) in batches of at least `batchSeconds` until `totalSeconds` passed (and at least 3
 * batches ran); returns the best and median per-call time over batches.
 */
function time(fn: (i: number) => void, totalSeconds: number, batchSeconds: number): Timing {
  fn(0); // warm-up: page faults, thread wake-up, JIT
  const perBatch: number[] = [];
  let calls = 0;
  let perCall = 0;
  const start = performance.now();
  // First batch sizes itself: one call to estimate.
  {
    const t0 = performance.now();
    fn(1);
    perCall = (performance.now() - t0) / 1000;
    calls++;
  }
  const batch = Math.max(1, Math.ceil(batchSeconds / Math.max(perCall, 1e-7)));
  while (perBatch.length < 3 || (performance.now() - start) / 1000 < totalSeconds) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn(calls + i);
    perBatch.push((performance.now() - t0) / 1000 / batch);
    calls += batch;
  }
  const sorted = [...perBatch].sort((a, b) => a - b);
  return { best: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, calls };
}

// ---- rows -----------------------------------------------------------------------------------------

type Kind = "gemv" | "matmul-small-m" | "gemm";

interface Row {
  op: Kind;
  backend: "native" | "reference";
  /** The native instruction-set tier the row ran under (null for reference rows). */
  isa: NativeTier | null;
  dtype: WeightDType;
  m: number;
  n: number;
  k: number;
  weightBytes: number;
  threads: number;
  cache: "cold" | "resident";
  secondsPerCall: number;
  medianSecondsPerCall: number;
  weightGBs: number;
  gflops: number;
  /** Percent of the roofline floor reached: max(weight bytes / read BW, flops / FMA peak) / time. */
  percentOfCeiling: number;
  ceiling: string;
}

interface Ceilings {
  readBandwidth2: number;
  readBandwidth1: number;
  fmaPeak2: number;
  measurements: { readBandwidth2: number[]; readBandwidth1: number[]; fmaPeak2: number[] };
  readBytes: number;
}

function measureCeilings(native: NativeBackend, quick: boolean, into?: Ceilings): Ceilings {
  const bytes = quick ? 256 * MiB : GiB;
  const repeats = quick ? 2 : 5;
  const c: Ceilings = into ?? {
    readBandwidth2: 0,
    readBandwidth1: 0,
    fmaPeak2: 0,
    measurements: { readBandwidth2: [], readBandwidth1: [], fmaPeak2: [] },
    readBytes: bytes,
  };
  c.measurements.readBandwidth2.push(native.addon.measureReadBandwidth(bytes, 2, repeats));
  c.measurements.readBandwidth1.push(native.addon.measureReadBandwidth(bytes, 1, repeats));
  c.measurements.fmaPeak2.push(native.addon.measureFmaPeak(2, quick ? 100 : 300));
  // Best of the measurements taken (start and end of the run): interference only lowers them.
  c.readBandwidth2 = Math.max(...c.measurements.readBandwidth2);
  c.readBandwidth1 = Math.max(...c.measurements.readBandwidth1);
  c.fmaPeak2 = Math.max(...c.measurements.fmaPeak2);
  return c;
}

interface Case {
  op: Kind;
  dtype: WeightDType;
  m: number;
  n: number;
  k: number;
  threads: number;
  backend: "native" | "reference";
  isa?: NativeTier;
}

/**
 * The fastest this call could be on this machine: the larger of the time to stream the weights at
 * the measured read bandwidth and the time for its flops at the FMA peak (for the row's thread
 * count; the 1-thread FMA peak is taken as half the 2-thread one). Returns percent of that floor
 * reached, and which ceiling binds.
 */
function roofline(
  weightBytes: number,
  flops: number,
  threads: number,
  seconds: number,
  ceilings: Ceilings | null,
): { percent: number; ceiling: string } {
  if (!ceilings) return { percent: Number.NaN, ceiling: "n/a" };
  const bw = threads === 1 ? ceilings.readBandwidth1 : ceilings.readBandwidth2;
  const peak = threads === 1 ? ceilings.fmaPeak2 / 2 : ceilings.fmaPeak2;
  const memoryFloor = weightBytes / (bw * 1e9);
  const computeFloor = flops / (peak * 1e9);
  const t = threads === 1 ? "1t" : "2t";
  return memoryFloor >= computeFloor
    ? { percent: (100 * memoryFloor) / seconds, ceiling: `read BW (${t})` }
    : { percent: (100 * computeFloor) / seconds, ceiling: `FMA peak (${t})` };
}

function rooflineFields(r: Row, ceilings: Ceilings | null): { percentOfCeiling: number; ceiling: string } {
  const { percent, ceiling } = roofline(r.weightBytes, 2 * r.m * r.n * r.k, r.threads, r.secondsPerCall, ceilings);
  return { percentOfCeiling: percent, ceiling };
}

function runCase(c: Case, native: NativeBackend | null, ceilings: Ceilings | null, quick: boolean, rng: Rng): Row {
  const weightCount = c.n * c.k;
  const weightBytes = weightCount * bytesPerWeight(c.dtype);
  const cold = weightBytes >= 64 * MiB;
  const base = makeWeights(weightCount, c.dtype, rng);
  const weights = cold ? copiesOf(base, Math.ceil(GiB / weightBytes)) : [base];
  const x = rng.fillNormal(new Float32Array(c.m * c.k));
  const bias = rng.fillNormal(new Float32Array(c.n));
  const out = new Float32Array(c.m * c.n);

  let call: (i: number) => void;
  if (c.backend === "native") {
    const nb = native!;
    call =
      c.op === "gemv"
        ? (i) => nb.gemv(out, x, weights[i % weights.length]!, c.dtype, c.n, c.k, bias)
        : (i) => nb.matmul(out, x, weights[i % weights.length]!, c.dtype, c.m, c.n, c.k, bias);
  } else {
    call =
      c.op === "gemv"
        ? (i) => refGemv(out, x, weights[i % weights.length]!, c.dtype, c.n, c.k, bias)
        : (i) => refMatmul(out, x, weights[i % weights.length]!, c.dtype, c.m, c.n, c.k, bias);
  }
  if (native && c.backend === "native") {
    native.setThreads(c.threads);
    if (c.isa && native.setIsa(c.isa) !== c.isa) throw new Error(`setIsa(${c.isa}) did not take`);
  }
  const t = time(call, quick ? 0.06 : 0.4, quick ? 0.01 : 0.03);
  if (native) native.setThreads(2);

  const flops = 2 * c.m * c.n * c.k;
  const weightGBs = weightBytes / t.best / 1e9;
  const gflops = flops / t.best / 1e9;
  const { percent: percentOfCeiling, ceiling } = roofline(weightBytes, flops, c.threads, t.best, ceilings);
  return {
    op: c.op,
    backend: c.backend,
    isa: c.backend === "native" ? (c.isa ?? null) : null,
    dtype: c.dtype,
    m: c.m,
    n: c.n,
    k: c.k,
    weightBytes,
    threads: c.backend === "reference" ? 1 : c.threads,
    cache: cold ? "cold" : "resident",
    secondsPerCall: t.best,
    medianSecondsPerCall: t.median,
    weightGBs,
    gflops,
    percentOfCeiling,
    ceiling,
  };
}

function buildCases(quick: boolean, tiers: NativeTier[]): Case[] {
  const cases: Case[] = [];
  // One native case per tier, in a row, so tiers are compared on the same shape and machine state.
  const pushNative = (c: Omit<Case, "backend" | "isa">): void => {
    for (const isa of tiers) cases.push({ ...c, backend: "native", isa });
  };
  const K = 4096; // a typical hidden size; n follows from the weight size
  const gemvSizes = quick ? [256 * 1024, 4 * MiB] : [256 * 1024, 4 * MiB, 64 * MiB, 256 * MiB];
  const refGemvSizes = [256 * 1024, 4 * MiB];
  for (const dtype of DTYPES) {
    for (const bytes of gemvSizes) {
      const n = bytes / bytesPerWeight(dtype) / K;
      pushNative({ op: "gemv", dtype, m: 1, n, k: K, threads: 2 });
      if (bytes === 64 * MiB) pushNative({ op: "gemv", dtype, m: 1, n, k: K, threads: 1 });
      if (refGemvSizes.includes(bytes)) cases.push({ op: "gemv", dtype, m: 1, n, k: K, threads: 1, backend: "reference" });
    }
  }
  // Batched decode: m activation rows against one weight matrix, read once.
  const smallBytes = quick ? 4 * MiB : 64 * MiB;
  for (const dtype of DTYPES) {
    for (const m of quick ? [4] : [2, 4, 8, 16, 32, 64]) {
      const n = smallBytes / bytesPerWeight(dtype) / K;
      pushNative({ op: "matmul-small-m", dtype, m, n, k: K, threads: 2 });
    }
  }
  const gemmShapes: [number, number, number][] = quick
    ? [
        [256, 256, 256],
        [512, 512, 512],
      ]
    : [
        [256, 256, 256],
        [512, 512, 512],
        [1024, 1024, 1024],
        [2048, 1024, 1024],
      ];
  for (const dtype of DTYPES) {
    for (const [m, n, k] of gemmShapes) {
      pushNative({ op: "gemm", dtype, m, n, k, threads: 2 });
      if (m === 256) cases.push({ op: "gemm", dtype, m, n, k, threads: 1, backend: "reference" });
    }
  }
  return cases;
}

// ---- output ---------------------------------------------------------------------------------------

function formatBytes(b: number): string {
  if (b >= MiB) return `${(b / MiB).toFixed(b % MiB === 0 ? 0 : 1)} MB`;
  return `${(b / 1024).toFixed(0)} KB`;
}

function formatTime(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} us`;
}

function printTable(rows: Row[]): void {
  const header = ["op", "backend", "dtype", "m x n x k", "weights", "thr", "cache", "time/call", "GB/s (W)", "GFLOP/s", "% ceiling"];
  const body = rows.map((r) => [
    r.op,
    r.isa ? `${r.backend}/${r.isa}` : r.backend,
    r.dtype,
    `${r.m} x ${r.n} x ${r.k}`,
    formatBytes(r.weightBytes),
    String(r.threads),
    r.cache,
    formatTime(r.secondsPerCall),
    r.weightGBs.toFixed(2),
    r.gflops.toFixed(1),
    Number.isNaN(r.percentOfCeiling) ? "n/a" : `${r.percentOfCeiling.toFixed(1)}% ${r.ceiling}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  console.log(line(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const row of body) console.log(line(row));
}

// ---- main -----------------------------------------------------------------------------------------

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loaded = loadNativeBackend();
  const native = loaded.ok ? loaded.backend : null;
  if (!loaded.ok) console.warn(`[bench] native backend unavailable; reference rows only.\n${loaded.reason}`);

  const info = native?.addon.info();
  const initialThreads = info?.threads ?? 1;
  if (native) {
    native.setIsa("auto");
    native.setThreads(2);
  }
  const ceilings = native ? measureCeilings(native, options.quick) : null;

  const rng = new Rng(20240601);
  const rows: Row[] = [];
  // Every linear tier this CPU runs, best first (the AVX-512 one also has the AVX2 one).
  const hasAvx2 = info && info.cpu.avx2 && info.cpu.fma && info.cpu.f16c;
  const tiers: NativeTier[] = !info ? [] : hasAvx2 && info.cpu.avx512f ? ["avx512", "avx2"] : hasAvx2 ? ["avx2"] : ["portable"];
  for (const c of buildCases(options.quick, tiers)) {
    rows.push(runCase(c, native, ceilings, options.quick, rng));
    // Drop the last case's weights (up to 1 GiB) before the next one allocates, when gc is exposed.
    (globalThis as { gc?: () => void }).gc?.();
  }

  if (native && ceilings) measureCeilings(native, options.quick, ceilings);
  // Percentages use the final (best-of) ceilings.
  for (const r of rows) {
    Object.assign(r, rooflineFields(r, ceilings));
  }
  if (native) {
    native.setThreads(initialThreads);
    native.setIsa("auto");
  }

  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const seconds = (performance.now() - started) / 1000;

  console.log(`Sieve linear kernels benchmark${options.quick ? " (--quick)" : ""}`);
  if (info && loaded.ok) {
    console.log(`native: ${loaded.path}`);
    console.log(
      `  isa ${info.isa} (avx2 ${info.cpu.avx2}, fma ${info.cpu.fma}, f16c ${info.cpu.f16c}, avx512f ${info.cpu.avx512f}), ` +
        `threads 2 for the table (pool default ${initialThreads}); matmul = ${info.kernels.matmul}, gemv = ${info.kernels.gemv}; ` +
        `native rows run under each tier: ${tiers.join(", ")}`,
    );
  }
  if (ceilings) {
    const fmt = (xs: number[]) => xs.map((v) => v.toFixed(1)).join(", ");
    console.log(`ceilings (best of the measurements at the start and end of this run):`);
    console.log(
      `  read bandwidth over ${formatBytes(ceilings.readBytes)}: ${ceilings.readBandwidth2.toFixed(2)} GB/s with 2 threads ` +
        `[${fmt(ceilings.measurements.readBandwidth2)}], ${ceilings.readBandwidth1.toFixed(2)} GB/s with 1 thread ` +
        `[${fmt(ceilings.measurements.readBandwidth1)}]`,
    );
    console.log(`  FMA peak: ${ceilings.fmaPeak2.toFixed(1)} GFLOP/s with 2 threads [${fmt(ceilings.measurements.fmaPeak2)}]`);
  }
  console.log(
    "reference (TypeScript) rows run at small sizes only; % ceiling = time floor / time, the floor being the larger " +
      "of weight bytes / read BW and flops / FMA peak (named); cold = cycling through >= 1 GiB of weight copies.",
  );
  printTable(rows);
  console.log(`peak RSS ${peakRssMB.toFixed(0)} MB; ${seconds.toFixed(1)} s`);

  if (options.json) {
    const result = {
      quick: options.quick,
      native: info ? { path: loaded.ok ? loaded.path : null, isa: info.isa, cpu: info.cpu, kernels: info.kernels } : null,
      ceilings,
      rows,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      seconds,
    };
    writeFileSync(options.json, JSON.stringify(result, null, 2) + "\n");
    console.log(`wrote ${options.json}`);
  }
}

main();
