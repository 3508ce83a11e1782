/**
 * Kernel-level measurement for the activation-sparse GEMV: the dense [out, in] GEMV against the
 * input-major sparse GEMV at several sparsities, per shape, dtype, thread count and thread split,
 * on weights too large for the caches (a rotating pool of distinct matrices). Prints GB/s of the
 * bytes actually read and the speedup over dense next to its byte ceiling 1 / (1 - sparsity).
 *
 *   SIEVE_NATIVE_ADDON=... node_modules/.bin/tsx --tsconfig tooling/activation/tsconfig.json tooling/activation/kernel-bench.ts [f16|f32] [--out FILE]
 * (SPARSITIES=0,0.5 and THREADS=1,2 narrow the run.) Writes docs/results/activation-kernels.md by default.
 */
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import { Rng, f32ToF16Bits, loadNativeBackend } from "@sieve/core";

const loaded = loadNativeBackend();
if (!loaded.ok) throw new Error(loaded.reason);
const addon = loaded.backend.addon;
const dtype = (process.argv[2] ?? "f16") as "f16" | "f32";
const outIndex = process.argv.indexOf("--out");
const outPath = outIndex > 0 ? process.argv[outIndex + 1]! : join(resolve(dirname(fileURLToPath(import.meta.url)), "../.."), "docs/results/activation-kernels.md");
const lines: string[] = [];
const print = (line: string): void => {
  console.log(line);
  lines.push(line);
};
const wdt = dtype === "f16" ? 1 : 0;
const bytesPerWeight = dtype === "f16" ? 2 : 4;
// Larger than the last-level cache this VM reports (480 MB), so every call streams from DRAM.
const POOL_BYTES = 3 * 1024 * 1024 * 1024;
const rng = new Rng(7);

function randomWeights(count: number): Float32Array | Uint16Array {
  const f = rng.fillNormal(new Float32Array(count), 0, 0.02);
  if (dtype === "f32") return f;
  const h = new Uint16Array(count);
  for (let i = 0; i < count; i++) h[i] = f32ToF16Bits(f[i]!);
  return h;
}

/**
 * Seconds per call of each contender, measured in alternation (A B C A B C ...) so that a change
 * in the machine's load hits all of them alike; the best pass of each counts. Each pass calls
 * fn on every matrix of the pool once.
 */
function race(calls: number, contenders: Array<(i: number) => void>, passes = 5): number[] {
  for (const fn of contenders) for (let i = 0; i < Math.min(calls, 4); i++) fn(i);
  const best = contenders.map(() => Infinity);
  for (let p = 0; p < passes; p++) {
    contenders.forEach((fn, c) => {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) fn(i);
      best[c] = Math.min(best[c]!, (performance.now() - t0) / 1000 / calls);
    });
  }
  return best;
}

function activeSet(k: number, sparsity: number): Int32Array {
  const idx: number[] = [];
  for (let j = 0; j < k; j++) if (rng.next() >= sparsity) idx.push(j);
  return Int32Array.from(idx);
}

const sparsities = (process.env.SPARSITIES ?? "0,0.25,0.5,0.65").split(",").map(Number);
const threadCounts = (process.env.THREADS ?? "1,2").split(",").map(Number);
const shapes: Array<[string, number, number]> = [
  ["q/o 2048->2048", 2048, 2048],
  ["k/v 2048->256", 2048, 256],
  ["gate/up 2048->5632", 2048, 5632],
  ["down 5632->2048", 5632, 2048],
];

const loadStart = loadavg().map((l) => l.toFixed(2)).join(" / ");
for (const threads of threadCounts) {
  addon.setThreads(threads);
  const bw = addon.measureReadBandwidth(256 * 1024 * 1024, threads, 3);
  print(`\n### ${threads} thread${threads > 1 ? "s" : ""} (streaming read ${bw.toFixed(1)} GB/s)\n`);
  print("| shape (in -> out) | dense GEMV GB/s | sparsity | split inputs GB/s | speedup | split columns GB/s | speedup | byte ceiling |");
  print("|---|---|---|---|---|---|---|---|");
  for (const [name, k, n] of shapes) {
    const bytes = k * n * bytesPerWeight;
    const copies = Math.max(2, Math.floor(POOL_BYTES / 2 / bytes));
    const dense = Array.from({ length: copies }, () => randomWeights(k * n));
    const x = rng.fillNormal(new Float32Array(k), 0, 1);
    const out = new Float32Array(n);
    for (const s of sparsities) {
      const idx = activeSet(k, s);
      const w = (i: number): Float32Array | Uint16Array => dense[i % copies]!;
      // The same values serve as input-major weights: only the layout matters for speed.
      const [tDense, tIn, tCol] = race(copies, [
        (i) => addon.gemv(out, x, w(i), wdt, n, k, null),
        (i) => addon.sparseGemvIm(out, x, idx, idx.length, w(i), wdt, n, k, null, 1),
        (i) => addon.sparseGemvIm(out, x, idx, idx.length, w(i), wdt, n, k, null, 2),
      ]) as [number, number, number];
      const read = idx.length * n * bytesPerWeight;
      print(
        `| ${name} | ${(bytes / tDense / 1e9).toFixed(1)} | ${s.toFixed(2)} | ${(read / tIn / 1e9).toFixed(1)} | ${(tDense / tIn).toFixed(2)}x | ${(read / tCol / 1e9).toFixed(1)} | ${(tDense / tCol).toFixed(2)}x | ${(k / Math.max(1, idx.length)).toFixed(2)}x |`,
      );
    }
    dense.length = 0;
  }
}
const doc = `# Activation sparsity: the batch-1 sparse GEMV kernel

Generated by \`tooling/activation/kernel-bench.ts\` (do not edit by hand). TinyLlama-1.1B linear shapes, ${dtype} weights, a rotating pool of
distinct matrices (${POOL_BYTES / 2 ** 20} MiB) so every call streams from memory. The dense GEMV is the addon's [out, in] \`gemv\`; the sparse
one is \`sparseGemvIm\` over a random active set of the given sparsity, on the same bytes laid out input-major, with the threads
splitting the active inputs (default) or the output columns. GB/s counts the bytes actually read; speedups are against the dense GEMV
measured in alternation with them (best of 5 passes each). Load average ${loadStart} at the start, ${loadavg().map((l) => l.toFixed(2)).join(" / ")} at the end
(1/5/15 min): a shared machine, expect noise of 10-30% between rows.
${lines.join("\n")}
`;
writeFileSync(outPath, doc);
console.log(`wrote ${outPath}`);
