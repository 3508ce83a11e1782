/**
 * `SIEVE_NATIVE_ADDON=... pnpm exec tsx tooling/pruning/kernel-bench.ts [--dtypes f16,f32] [--threads 1,2]
 *   [--shapes 2048x2048,256x2048,5632x2048,2048x5632] [--formats nm-2:4,nm-4:8,csr8-50,csr8-70,csr8-90,csr8-95]
 *   [--batches 1,2,4,8,16] [--ws-mb 640] [--repeats 7] [--json out.json] [--md out.md]`
 *
 * Kernel-level measurement of the pruned-weight kernels at TinyLlama-1.1B's linear shapes: how
 * fast each kernel streams the bytes it has to read (values + indices + pointers), next to a
 * streaming-read probe (measureReadBandwidth) and the dense kernel measured in the same rounds.
 *
 *   batch 1  GB/s of the sparse GEMV and its share of the probe's GB/s (the bar: >= 90%);
 *            the dense GEMV's GB/s beside it; speed-up vs dense next to the byte ceiling.
 *   batch m  the same kernel with m activation rows against the dense kernel at m (matmul; gemv
 *            at m = 1): a kernel that reads the packed weight once for all rows keeps the
 *            batch-1 speed-up, one that does not falls towards 1x.
 *
 * Every contender cycles through enough copies of its weight to exceed the caches; rounds take
 * the probe, dense and the sparse kernel back to back so that load from other processes hits
 * them alike; the best round of each counts for GB/s, the median of per-round ratios for
 * speed-ups. Masks are i.i.d. random (N:M: random positions), as magnitude pruning of a trained
 * layer is close to.
 */
import { writeFileSync } from "node:fs";
import { f32ToF16Bits, loadNativeBackend, Rng, type NativeBackend } from "@sieve/core";
import { compressCsr8 } from "../../packages/weight-pruning/src/formats/csr8.js";
import { compressNm } from "../../packages/weight-pruning/src/formats/nm.js";
import { sparseWeightBytes, type SparseWeight } from "../../packages/weight-pruning/src/formats/sparse-weight.js";
import type { DenseWeight, SparseValueDtype } from "../../packages/weight-pruning/src/formats/values.js";
import { nativeSparseKernelName, sparseLinearNative } from "../../packages/weight-pruning/src/kernels/native.js";
import { describeMachine, loadAverages, machineState, round2 } from "./machine.js";

interface Options {
  dtypes: SparseValueDtype[];
  threads: number[];
  shapes: Array<[number, number]>;
  formats: string[];
  batches: number[];
  workingSetMB: number;
  repeats: number;
  json?: string;
  md?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    dtypes: ["f16", "f32"],
    threads: [1, 2],
    shapes: [[2048, 2048], [256, 2048], [5632, 2048], [2048, 5632]],
    formats: ["nm-2:4", "nm-4:8", "csr8-50", "csr8-70", "csr8-90", "csr8-95"],
    batches: [1],
    workingSetMB: 640,
    repeats: 7,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i] ?? "";
    if (a === "--dtypes") o.dtypes = next().split(",") as SparseValueDtype[];
    else if (a === "--threads") o.threads = next().split(",").map(Number);
    else if (a === "--shapes") o.shapes = next().split(",").map((s) => s.split("x").map(Number) as [number, number]);
    else if (a === "--formats") o.formats = next().split(",");
    else if (a === "--batches") o.batches = next().split(",").map(Number);
    else if (a === "--ws-mb") o.workingSetMB = Number(next());
    else if (a === "--repeats") o.repeats = Number(next());
    else if (a === "--json") o.json = next();
    else if (a === "--md") o.md = next();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** A weight and its copies (distinct memory, same contents) that together exceed the caches. */
interface Pool<W> {
  copies: W[];
  bytes: number;
}

function cloneSparse(w: SparseWeight): SparseWeight {
  if (w.format === "nm") return { ...w, values: w.values.slice(), indices: w.indices.slice() };
  if (w.format === "csr8") return { ...w, values: w.values.slice(), offset: w.offset.slice(), base: w.base.slice(), rowChunk: w.rowChunk.slice() };
  throw new Error(`kernel-bench: no clone for ${w.format}`);
}

function pool<W>(first: W, bytes: number, clone: (w: W) => W, workingSetMB: number): Pool<W> {
  const n = Math.max(2, Math.ceil((workingSetMB * 1e6) / Math.max(1, bytes)));
  return { copies: Array.from({ length: n }, (_, i) => (i === 0 ? first : clone(first))), bytes };
}

function randomMask(rng: Rng, n: number, density: number): Uint8Array {
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = rng.next() < density ? 1 : 0;
  return m;
}

/** Each group of m columns keeps n random positions. */
function randomNmMask(rng: Rng, rows: number, cols: number, n: number, m: number): Uint8Array {
  const mask = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let base = 0; base < cols; base += m) {
      const width = Math.min(m, cols - base);
      const pos = Array.from({ length: width }, (_, i) => i);
      for (let i = 0; i < Math.min(n, width); i++) {
        const j = i + Math.floor(rng.next() * (width - i));
        [pos[i], pos[j]] = [pos[j]!, pos[i]!];
        mask[r * cols + base + pos[i]!] = 1;
      }
    }
  }
  return mask;
}

function buildSparse(rng: Rng, format: string, dense: DenseWeight, dtype: SparseValueDtype): SparseWeight {
  const nm = /^nm-(\d):(\d)$/.exec(format);
  if (nm) {
    const n = Number(nm[1]);
    const m = Number(nm[2]);
    return compressNm(dense, randomNmMask(rng, dense.rows, dense.cols, n, m), { n, m }, dtype);
  }
  const u = /^csr8-(\d+)$/.exec(format);
  if (u) return compressCsr8(dense, randomMask(rng, dense.rows * dense.cols, 1 - Number(u[1]) / 100), dtype);
  throw new Error(`kernel-bench: unknown format ${format} (nm-2:4, nm-4:8, csr8-<sparsity %>)`);
}

function seconds(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Row {
  dtype: SparseValueDtype;
  threads: number;
  shape: string;
  format: string;
  batch: number;
  kernel: string;
  /** Bytes the sparse kernel reads per call (values + indices + pointers). */
  bytes: number;
  usPerCall: number;
  gbs: number;
  denseGbs: number;
  probeGbs: number;
  /** gbs / probeGbs. */
  ofProbe: number;
  /** Median of per-round dense time / sparse time. */
  speedup: number;
  ceiling: number;
  ofCeiling: number;
  load: [number, number, number];
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const loaded = loadNativeBackend();
  if (!loaded.ok) throw new Error(loaded.reason);
  const native: NativeBackend = loaded.backend;
  const addon = native.addon;
  const before = machineState(native, true);
  const header = `machine: ${describeMachine(before)}; addon: ${loaded.path}`;
  console.log(`# ${header}`);
  const rows: Row[] = [];
  const rng = new Rng(4321);
  const probeBytes = Math.max(512, o.workingSetMB) * 1e6;
  for (const dtype of o.dtypes) {
    const wdt = dtype === "f16" ? 1 : 0;
    for (const [r, c] of o.shapes) {
      const f32 = rng.fillNormal(new Float32Array(r * c), 0, 0.02);
      const dense: DenseWeight = { data: f32, dtype: "f32", rows: r, cols: c };
      let denseData: Float32Array | Uint16Array = f32;
      if (dtype === "f16") {
        const h = new Uint16Array(r * c);
        for (let i = 0; i < f32.length; i++) h[i] = f32ToF16Bits(f32[i]!);
        denseData = h;
      }
      const densePool = pool(denseData, denseData.byteLength, (d) => d.slice(), o.workingSetMB);
      const maxBatch = Math.max(...o.batches);
      const x = rng.fillNormal(new Float32Array(maxBatch * c), 0, 1);
      const out = new Float32Array(maxBatch * r);
      for (const format of o.formats) {
        const w = buildSparse(rng, format, dense, dtype);
        const sparsePool = pool(w, sparseWeightBytes(w), cloneSparse, o.workingSetMB);
        for (const threads of o.threads) {
          native.setThreads(threads);
          for (const batch of o.batches) {
            const xb = x.subarray(0, batch * c);
            const ob = out.subarray(0, batch * r);
            const densePass = () => {
              for (const d of densePool.copies) {
                if (batch === 1) addon.gemv(ob, xb, d, wdt, r, c, null);
                else addon.matmul(ob, xb, d, wdt, batch, r, c, null);
              }
            };
            const sparsePass = () => {
              for (const s of sparsePool.copies) sparseLinearNative(addon, ob, xb, batch, s, null);
            };
            densePass();
            sparsePass();
            let bestDense = Infinity;
            let bestSparse = Infinity;
            let bestProbe = 0;
            const ratios: number[] = [];
            for (let rep = 0; rep < o.repeats; rep++) {
              // The probe reads as many bytes as a pass does, with as many threads.
              bestProbe = Math.max(bestProbe, addon.measureReadBandwidth(probeBytes, threads, 1));
              const td = seconds(densePass) / densePool.copies.length;
              const ts = seconds(sparsePass) / sparsePool.copies.length;
              bestDense = Math.min(bestDense, td);
              bestSparse = Math.min(bestSparse, ts);
              ratios.push(td / ts);
            }
            const gbs = sparsePool.bytes / bestSparse / 1e9;
            const speedup = median(ratios);
            const ceiling = densePool.bytes / sparsePool.bytes;
            const row: Row = {
              dtype,
              threads,
              shape: `${r}x${c}`,
              format,
              batch,
              kernel: nativeSparseKernelName(addon, w, batch),
              bytes: sparsePool.bytes,
              usPerCall: round2(bestSparse * 1e6),
              gbs: round2(gbs),
              denseGbs: round2(densePool.bytes / bestDense / 1e9),
              probeGbs: round2(bestProbe),
              ofProbe: Math.round((100 * gbs) / bestProbe),
              speedup: round2(speedup),
              ceiling: round2(ceiling),
              ofCeiling: Math.round((100 * speedup) / ceiling),
              load: loadAverages(),
            };
            rows.push(row);
            console.log(
              `${dtype} ${threads}t ${row.shape.padEnd(9)} ${format.padEnd(7)} m=${String(batch).padEnd(2)} ${row.usPerCall} us  ${row.gbs} GB/s = ${row.ofProbe}% of probe ${row.probeGbs}  dense ${row.denseGbs} GB/s  x${row.speedup} (ceiling x${row.ceiling}, ${row.ofCeiling}%)  load ${row.load.join("/")}`,
            );
          }
        }
        sparsePool.copies.length = 0;
      }
      densePool.copies.length = 0;
    }
  }
  native.setThreads(before.cores);
  const after = loadAverages();
  console.log(`# load after: ${after.join(" / ")}`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ machine: before, loadAfter: after, options: o, rows }, null, 1));
  if (o.md) writeFileSync(o.md, renderMarkdown(header, after, rows));
}

function renderMarkdown(header: string, after: [number, number, number], rows: Row[]): string {
  const lines = [
    "# Pruned-weight kernels: bytes streamed vs read bandwidth",
    "",
    "Generated by `tooling/pruning/kernel-bench.ts`.",
    "",
    `${header}. Load average after: ${after.join(" / ")}.`,
    "",
    "GB/s counts the bytes each kernel must read (values + indices + pointers), best round; *probe* is",
    "measureReadBandwidth over as many bytes with as many threads in the same rounds; *speed-up* is the",
    "median of per-round dense/sparse time ratios (dense: gemv at m = 1, matmul above).",
    "",
    "| dtype | threads | shape | format | m | kernel | us/call | GB/s | % of probe | probe GB/s | dense GB/s | speed-up | byte ceiling | % of ceiling | load |",
    "|---|---:|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.dtype} | ${r.threads} | ${r.shape} | ${r.format} | ${r.batch} | ${r.kernel} | ${r.usPerCall} | ${r.gbs} | ${r.ofProbe}% | ${r.probeGbs} | ${r.denseGbs} | ${r.speedup}x | ${r.ceiling}x | ${r.ofCeiling}% | ${r.load.join(" / ")} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

main();
