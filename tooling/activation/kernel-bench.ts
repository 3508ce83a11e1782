/**
 * Kernel-level measurement of the TEAL input-major kernels at TinyLlama-1.1B linear shapes, on
 * weights too large for the caches (a rotating pool of distinct matrices, each call on the next).
 *
 *  - Batch 1: `sparseGemvIm` over a random active set of each sparsity. GB/s counts the bytes the
 *    kernel is asked to read (active rows x out x bytes per weight) over the best call time, next
 *    to a read probe of exactly those bytes (`tealReadProbe`: measureReadBandwidth's streaming
 *    loop over another cold pool matrix, on the same threads) called in alternation with it, and
 *    the dense [out, in] `gemv` for comparison. "% of read probe" = probe time / kernel time.
 *  - Batches (--batch): `sparseMatmulIm` over the union of m rows' kept inputs (m random rows
 *    thresholded at the given sparsity), the dense input-major path (idx = null) on the same
 *    weight, and the dense model's [out, in] `matmul`, for m = 1, 2, 4, 8, 16: where the union path
 *    stops beating the dense input-major one is TealLinear's denseAbove.
 *
 * Best call time (not the mean) because this machine is shared: a call of 0.05-3 ms is often run
 * undisturbed, and the best one is the kernel's own speed; the probe is a best too.
 *
 *   SIEVE_NATIVE_ADDON=... node_modules/.bin/tsx --tsconfig tooling/activation/tsconfig.json tooling/activation/kernel-bench.ts \
 *     [f16|f32] [--batch] [--out FILE.md] [--json FILE.json]
 * SPARSITIES=0,0.5 THREADS=1,2 SHAPES=q/o,down ROWS=1,2,4 narrow the run. Writes /tmp/teal-kernels-<dtype>.md by default.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { Rng, allocWeightStorage, f32ToF16Bits, loadNativeBackend, releaseWeightsSoon, setHugePagesByDefault } from "@sieve/core";

setHugePagesByDefault(true); // pools in the memory the serving engine holds weights in
const loaded = loadNativeBackend();
if (!loaded.ok) throw new Error(loaded.reason);
const addon = loaded.backend.addon;
if (typeof addon.tealReadProbe !== "function") throw new Error("this addon has no tealReadProbe (rebuild it)");
const readProbe = (data: Float32Array): number => addon.tealReadProbe(data);
/** The first `bytes` of a pool matrix as floats (the probe reads raw bytes, whatever their dtype). */
const bytesOf = (w: Float32Array | Uint16Array, bytes: number): Float32Array => new Float32Array(w.buffer, w.byteOffset, Math.floor(bytes / 4));
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dtype = (args[0] === "f32" ? "f32" : "f16") as "f16" | "f32";
const BATCH = args.includes("--batch");
const outPath = option("--out") ?? `/tmp/teal-kernels-${dtype}${BATCH ? "-batch" : ""}.md`;
const jsonPath = option("--json") ?? outPath.replace(/\.md$/, ".json");
const wdt = dtype === "f16" ? 1 : 0;
const bytesPerWeight = dtype === "f16" ? 2 : 4;
// Several times the last-level cache this VM reports (480 MB): its replacement policy keeps part of
// a scan that is only a few times larger, which measured as impossible GB/s with a 1.5 GiB pool.
const POOL_BYTES = 3072 * 1024 * 1024;
const PROBE_BYTES = 2048 * 1024 * 1024;
const CALLS = Number(process.env.CALLS ?? 200);
const rng = new Rng(7);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" / ");

const lines: string[] = [];
const print = (line: string): void => {
  console.log(line);
  lines.push(line);
};

/**
 * One matrix of random values; the pool repeats its bytes (only the layout matters for speed).
 * Each copy is allocated like a model's weights (allocWeightStorage: 2 MiB pages where available).
 */
function weightPool(elements: number): Array<Float32Array | Uint16Array> {
  const f = rng.fillNormal(new Float32Array(elements), 0, 0.02);
  let first: Float32Array | Uint16Array = f;
  if (dtype === "f16") {
    const h = new Uint16Array(elements);
    for (let i = 0; i < elements; i++) h[i] = f32ToF16Bits(f[i]!);
    first = h;
  }
  const copies = Math.max(2, Math.floor(POOL_BYTES / (elements * bytesPerWeight)));
  return Array.from({ length: copies }, () => {
    const copy = allocWeightStorage(dtype, elements);
    copy.set(first as never);
    return copy;
  });
}

/**
 * Best seconds per call of each contender, called in alternation (A B C A B C ...) so a change in
 * the machine's load hits all alike; call i of every contender runs on pool matrix i (cold).
 */
function race(calls: number, contenders: Array<(i: number) => void>): number[] {
  for (const fn of contenders) for (let i = 0; i < 3; i++) fn(i);
  const best = contenders.map(() => Infinity);
  for (let i = 0; i < calls; i++) {
    contenders.forEach((fn, c) => {
      const t0 = performance.now();
      fn(i);
      best[c] = Math.min(best[c]!, (performance.now() - t0) / 1000);
    });
  }
  return best;
}

function activeSet(k: number, sparsity: number): Int32Array {
  const idx: number[] = [];
  for (let j = 0; j < k; j++) if (rng.next() >= sparsity) idx.push(j);
  return Int32Array.from(idx);
}

/** The threshold that zeroes `sparsity` of a standard normal's values (bisection on erf). */
function normalThreshold(sparsity: number): number {
  const erf = (x: number): number => {
    const t = 1 / (1 + 0.3275911 * x);
    return 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  };
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (erf(mid / Math.SQRT2) < sparsity) lo = mid;
    else hi = mid;
  }
  return lo;
}

const sparsities = (process.env.SPARSITIES ?? (BATCH ? "0.5" : "0,0.25,0.4,0.5,0.65")).split(",").map(Number);
const threadCounts = (process.env.THREADS ?? (BATCH ? "2" : "1,2")).split(",").map(Number);
const rowCounts = (process.env.ROWS ?? "1,2,4,8,16").split(",").map(Number);
const allShapes: Array<[string, number, number]> = [
  ["q/o 2048->2048", 2048, 2048],
  ["k/v 2048->256", 2048, 256],
  ["gate/up 2048->5632", 2048, 5632],
  ["down 5632->2048", 5632, 2048],
  // What a TEAL model runs: the linears of one input fused into one input-major weight (TealLinear.fuse).
  ["qkv fused 2048->2560", 2048, 2560],
  ["gate+up fused 2048->11264", 2048, 11264],
];
const wanted = process.env.SHAPES?.split(",");
const shapes = allShapes.filter(([name]) => !wanted || wanted.some((w) => name.startsWith(w)));

interface GemvRow { threads: number; shape: string; k: number; n: number; sparsity: number; active: number; probeGBs: number; sparseGBs: number; pctOfProbe: number; denseGBs: number; speedup: number; byteCeiling: number; sparseUs: number }
interface BatchRow { threads: number; shape: string; k: number; n: number; sparsity: number; rows: number; unionActive: number; unionUs: number; denseImUs: number; denseModelUs: number; unionGBs: number; pctOfProbe: number; unionOverDenseIm: number; bestOverDenseModel: number }
const gemvRows: GemvRow[] = [];
const batchRows: BatchRow[] = [];
const loadStart = load();
const probes: Record<number, number> = {};
/** The best streaming read seen so far with `threads` threads (probed again before every shape). */
const probe = (threads: number): number => {
  probes[threads] = Math.max(probes[threads] ?? 0, addon.measureReadBandwidth(PROBE_BYTES, threads, 4));
  return probes[threads]!;
};

for (const threads of threadCounts) {
  addon.setThreads(threads);
  probe(threads);
  if (!BATCH) {
    print(`\n### Batch 1, ${threads} thread${threads > 1 ? "s" : ""}\n`);
    print("| shape (in -> out) | sparsity | active rows | sparse GB/s | read probe GB/s (same bytes) | % of read probe | sparse us/call | dense [out,in] GEMV GB/s | speedup vs dense | byte ceiling |");
    print("|---|---|---|---|---|---|---|---|---|---|");
  } else {
    print(`\n### Batches, ${threads} thread${threads > 1 ? "s" : ""}\n`);
    print("| shape (in -> out) | sparsity | rows | union active | union us | dense input-major us | dense [out,in] us | union GB/s | % of read probe | union / dense input-major | TEAL best / dense model |");
    print("|---|---|---|---|---|---|---|---|---|---|---|");
  }
  for (const [name, k, n] of shapes) {
    // The previous shape's pool is garbage by now; let Node free it (weights in mapped memory are
    // released when the event loop turns, see allocWeightStorage) before allocating the next.
    await releaseWeightsSoon();
    const pool = weightPool(k * n);
    const w = (i: number): Float32Array | Uint16Array => pool[i % pool.length]!;
    // Contenders called one after the other must not read the same matrix (the second would find
    // it in the last-level cache): contender c reads matrix i + c * pool / 4.
    const wc = (c: number, i: number): Float32Array | Uint16Array => w(i + Math.floor((c * pool.length) / 4));
    for (const s of sparsities) {
      if (!BATCH) {
        const idx = activeSet(k, s);
        const x = rng.fillNormal(new Float32Array(k), 0, 1);
        const out = new Float32Array(n);
        const read = idx.length * n * bytesPerWeight;
        const [tSparse, tDense, tProbe] = race(CALLS, [
          (i) => addon.sparseGemvIm(out, x, idx, idx.length, w(i), wdt, n, k, null, 0),
          (i) => addon.gemv(out, x, wc(1, i), wdt, n, k, null),
          (i) => readProbe(bytesOf(wc(2, i), read)),
        ]) as [number, number, number];
        const row: GemvRow = {
          threads, shape: name, k, n, sparsity: s, active: idx.length, probeGBs: read / tProbe / 1e9,
          sparseGBs: read / tSparse / 1e9, pctOfProbe: (100 * tProbe) / tSparse,
          denseGBs: (k * n * bytesPerWeight) / tDense / 1e9, speedup: tDense / tSparse, byteCeiling: k / Math.max(1, idx.length), sparseUs: tSparse * 1e6,
        };
        gemvRows.push(row);
        print(`| ${name} | ${s.toFixed(2)} | ${idx.length} | ${row.sparseGBs.toFixed(1)} | ${row.probeGBs.toFixed(1)} | ${row.pctOfProbe.toFixed(0)}% | ${row.sparseUs.toFixed(0)} | ${row.denseGBs.toFixed(1)} | ${row.speedup.toFixed(2)}x | ${row.byteCeiling.toFixed(2)}x |`);
        continue;
      }
      const t = normalThreshold(s);
      for (const m of rowCounts) {
        const x = rng.fillNormal(new Float32Array(m * k), 0, 1);
        const idx = new Int32Array(k);
        const count = addon.thresholdSelect(idx, x, m, k, t, null);
        const xt = x.map((v) => (Math.abs(v) >= t ? v : 0));
        const out = new Float32Array(m * n);
        const read = count * n * bytesPerWeight;
        const [tUnion, tDenseIm, tDenseModel, tProbe] = race(Math.max(40, CALLS / 2), [
          (i) => (m === 1 ? addon.sparseGemvIm(out, x, idx, count, w(i), wdt, n, k, null, 0) : addon.sparseMatmulIm(out, x, m, k, idx, count, t, w(i), wdt, n, null)),
          (i) => addon.sparseMatmulIm(out, xt, m, k, null, k, 0, wc(1, i), wdt, n, null),
          (i) => (m === 1 ? addon.gemv(out, xt, wc(2, i), wdt, n, k, null) : addon.matmul(out, xt, wc(2, i), wdt, m, n, k, null)),
          (i) => readProbe(bytesOf(wc(3, i), read)),
        ]) as [number, number, number, number];
        const row: BatchRow = {
          threads, shape: name, k, n, sparsity: s, rows: m, unionActive: count, unionUs: tUnion * 1e6, denseImUs: tDenseIm * 1e6, denseModelUs: tDenseModel * 1e6,
          unionGBs: read / tUnion / 1e9, pctOfProbe: (100 * tProbe) / tUnion, unionOverDenseIm: tDenseIm / tUnion,
          bestOverDenseModel: tDenseModel / Math.min(tUnion, tDenseIm),
        };
        batchRows.push(row);
        print(`| ${name} | ${s.toFixed(2)} | ${m} | ${count} | ${row.unionUs.toFixed(0)} | ${row.denseImUs.toFixed(0)} | ${row.denseModelUs.toFixed(0)} | ${row.unionGBs.toFixed(1)} | ${row.pctOfProbe.toFixed(0)}% | ${row.unionOverDenseIm.toFixed(2)}x | ${row.bestOverDenseModel.toFixed(2)}x |`);
      }
    }
    pool.length = 0;
  }
}
const probeText = Object.entries(probes).map(([t, g]) => `${g.toFixed(1)} GB/s with ${t} thread${t === "1" ? "" : "s"}`).join(", ");
const doc = `# TEAL input-major kernels (${dtype}${BATCH ? ", batches" : ", batch 1"})

Generated by \`tooling/activation/kernel-bench.ts\` (do not edit by hand). TinyLlama-1.1B linear shapes, ${dtype} weights, a rotating pool of
distinct matrices (${POOL_BYTES / 2 ** 20} MiB per shape; contenders never read the same matrix back to back) so every call streams from memory; best of ${CALLS} calls per contender, called in alternation.
Kernel variants: ${JSON.stringify(addon.activationSparseKernels())}. GB/s counts the bytes the kernel must read (active or union rows only);
"% of read probe" = the time of \`tealReadProbe\` reading the same number of bytes of another cold pool matrix (measureReadBandwidth's
streaming loop, same threads, called in alternation) / the kernel's time. For reference, one long \`measureReadBandwidth\` of
${PROBE_BYTES / 2 ** 30} GiB gave ${probeText} in this run: under load its long scans are disturbed far more than short calls.
Load average ${loadStart} at the start, ${load()} at the end (1/5/15 min): a shared 2-core machine.
${lines.join("\n")}
`;
writeFileSync(outPath, doc);
writeFileSync(jsonPath, JSON.stringify({ dtype, batch: BATCH, loadStart, loadEnd: load(), probes, kernels: addon.activationSparseKernels(), gemv: gemvRows, batches: batchRows }, null, 2));
console.log(`wrote ${outPath} and ${jsonPath}`);
