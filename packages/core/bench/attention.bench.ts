/**
 * Paged-attention benchmark at llama-110m shapes (12 heads x 64, MHA, pages of 16): decode (one
 * token at context 128 / 512 / 2048, with the pools warm in cache and "cold" as in a real decode
 * step, where the ~18 MB of weights a layer streams evict them from the core's private caches)
 * and a 512-token prefill. Prints a
 * table; `--json FILE` also writes the results.
 *
 *   SIEVE_NATIVE_ADDON=/path/new.node npx tsx packages/core/bench/attention.bench.ts \
 *     [--baseline /path/old.node] [--json FILE] [--quick]
 *
 * With --baseline, a second addon (e.g. a build of the previous kernels) is loaded into the same
 * process and the two are timed in alternating batches, so both see the same machine load: on a
 * shared machine only such same-run ratios mean anything. While one addon runs, the other's
 * thread pool is shrunk to 1 thread so that its idle workers cannot compete for the cores.
 *
 * Times: wall time is the best batch (noise only slows a run down); CPU time (process.cpuUsage,
 * all threads) is immune to time slicing by other processes and, at 1 thread, is the cleanest
 * measure of a kernel's work. At 2 threads the CPU time includes the workers' brief spin after
 * each job. GFLOP/s counts 4 * headDim * nHeads flops per (query, visible key).
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import type { NativeAddon } from "@sieve/cuda-kernels";
import { loadNativeBackend, NativeBackend } from "../src/backend/native.js";
import type { PagedAttentionArgs } from "../src/backend/kernels.js";
import { Rng } from "../src/tensor/rng.js";

interface Options {
  baseline: string | null;
  json: string | null;
  quick: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { baseline: null, json: null, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--baseline") o.baseline = value();
    else if (a === "--json") o.json = value();
    else if (a === "--quick") o.quick = true;
    else throw new Error(`unknown argument ${a} (expected --baseline FILE, --json FILE, --quick)`);
  }
  return o;
}

const SHAPE = { nHeads: 12, nKvHeads: 12, headDim: 64, pageSize: 16 };
const LAYERS = 12; // pools cycled through, as a model's layers are
const FLUSH_OUT = 12288; // a 12288 x 768 f16 GEMV streams ~18.9 MB, one llama-110m layer's weights

interface Case {
  name: string;
  kind: "decode" | "prefill";
  context: number;
  tokens: number;
  cold: boolean;
}

/** One layer's pools per LAYERS, pages mapped in order, and a query batch ending at `context`. */
function buildArgs(c: Case, rng: Rng): PagedAttentionArgs[] {
  const { nHeads, nKvHeads, headDim, pageSize } = SHAPE;
  const maxPagesPerSeq = Math.ceil(c.context / pageSize);
  const poolFloats = maxPagesPerSeq * pageSize * nKvHeads * headDim;
  const q = rng.fillNormal(new Float32Array(c.tokens * nHeads * headDim));
  const layers = c.cold ? LAYERS : 1;
  return Array.from({ length: layers }, () => ({
    out: new Float32Array(c.tokens * nHeads * headDim),
    q,
    kPool: rng.fillNormal(new Float32Array(poolFloats)),
    vPool: rng.fillNormal(new Float32Array(poolFloats)),
    blockTable: Int32Array.from({ length: maxPagesPerSeq }, (_, i) => i),
    tokenSeq: new Int32Array(c.tokens),
    tokenPos: Int32Array.from({ length: c.tokens }, (_, i) => c.context - c.tokens + i),
    numTokens: c.tokens,
    nHeads,
    nKvHeads,
    headDim,
    pageSize,
    maxPagesPerSeq,
    scale: 1 / Math.sqrt(headDim),
  }));
}

function flopsOf(a: PagedAttentionArgs): number {
  let keys = 0;
  for (const p of a.tokenPos) keys += p + 1;
  return 4 * keys * a.headDim * a.nHeads;
}

interface Side {
  label: string;
  backend: NativeBackend;
}

interface Sample {
  wallUs: number[];
  cpuUs: number[];
}

/** A layer's worth of f16 weights (llama-110m: ~18 MB) and the GEMV that streams them. */
interface Flush {
  weights: Uint16Array;
  x: Float32Array;
  y: Float32Array;
}

/**
 * Runs `calls` attention calls per batch. Cold: before each call, an untimed f16 GEMV over a
 * layer's worth of weights pushes the pools out of the private caches, as a layer's projections
 * do, and (like them) keeps the thread pool's workers awake.
 */
function batch(side: Side, layers: PagedAttentionArgs[], calls: number, cold: boolean, flush: Flush, sample: Sample): void {
  let wall = 0;
  let cpu = 0;
  for (let i = 0; i < calls; i++) {
    const args = layers[i % layers.length]!;
    if (cold) side.backend.gemv(flush.y, flush.x, flush.weights, "f16", flush.y.length, flush.x.length);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    side.backend.pagedAttention(args);
    wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  sample.wallUs.push((wall * 1000) / calls);
  sample.cpuUs.push(cpu / calls);
}

const best = (v: number[]): number => Math.min(...v);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

interface Row {
  case: string;
  threads: number;
  side: string;
  wallUsBest: number;
  wallUsMedian: number;
  cpuUsMedian: number;
  gflopsWall: number;
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const loaded = loadNativeBackend();
  if (!loaded.ok) throw new Error(loaded.reason);
  const sides: Side[] = [{ label: "new", backend: loaded.backend }];
  if (options.baseline) {
    const addon = createRequire(import.meta.url)(resolve(options.baseline)) as NativeAddon;
    sides.unshift({ label: "baseline", backend: new NativeBackend(addon) });
  }
  const cases: Case[] = [
    ...[128, 512, 2048].flatMap((context) => [
      { name: `decode ctx ${context} warm`, kind: "decode" as const, context, tokens: 1, cold: false },
      { name: `decode ctx ${context} cold`, kind: "decode" as const, context, tokens: 1, cold: true },
    ]),
    { name: "prefill 512", kind: "prefill", context: 512, tokens: 512, cold: false },
  ];
  const rounds = options.quick ? 3 : 6;
  const flush: Flush = { weights: new Uint16Array(FLUSH_OUT * 768).fill(0x3c00), x: new Float32Array(768), y: new Float32Array(FLUSH_OUT) };
  const rows: Row[] = [];
  const loadBefore = loadAverage();
  for (const threads of [1, 2]) {
    for (const c of cases) {
      const layers = buildArgs(c, new Rng(7));
      const flops = flopsOf(layers[0]!);
      // Calls per batch: about 20 ms of work when warm; cold calls each add a GEMV, so fewer.
      const calls = c.kind === "prefill" ? 2 : c.cold ? LAYERS : Math.max(20, Math.round(2e8 / flops));
      const samples = new Map(sides.map((s) => [s.label, { wallUs: [], cpuUs: [] } as Sample]));
      for (let r = 0; r < rounds; r++) {
        for (const side of sides) {
          for (const other of sides) if (other !== side) other.backend.setThreads(1);
          side.backend.setThreads(threads);
          batch(side, layers, calls, c.cold, flush, samples.get(side.label)!);
        }
      }
      for (const side of sides) {
        const s = samples.get(side.label)!;
        s.wallUs.shift(); // the first batch warms up
        s.cpuUs.shift();
        const wallUsBest = best(s.wallUs);
        rows.push({
          case: c.name,
          threads,
          side: side.label,
          wallUsBest,
          wallUsMedian: median(s.wallUs),
          cpuUsMedian: median(s.cpuUs),
          gflopsWall: flops / wallUsBest / 1e3,
        });
      }
    }
  }
  const loadAfter = loadAverage();

  const pad = (s: string, n: number): string => s.padEnd(n);
  const num = (x: number, n: number, d = 1): string => x.toFixed(d).padStart(n);
  console.log(`paged attention, ${SHAPE.nHeads} heads x ${SHAPE.headDim}, pages of ${SHAPE.pageSize}; load average ${loadBefore} -> ${loadAfter}`);
  console.log(`${pad("case", 22)}${pad("thr", 4)}${pad("side", 10)}${"best us".padStart(11)}${"median us".padStart(11)}${"cpu us".padStart(11)}${"GFLOP/s".padStart(9)}${"x".padStart(7)}`);
  for (const r of rows) {
    const base = rows.find((b) => b.case === r.case && b.threads === r.threads && b.side === "baseline");
    const speedup = base && r.side !== "baseline" ? num(base.wallUsBest / r.wallUsBest, 6, 2) : "";
    console.log(
      `${pad(r.case, 22)}${pad(String(r.threads), 4)}${pad(r.side, 10)}${num(r.wallUsBest, 11)}${num(r.wallUsMedian, 11)}${num(r.cpuUsMedian, 11)}${num(r.gflopsWall, 9)}${speedup.padStart(7)}`,
    );
  }
  if (options.json) {
    writeFileSync(options.json, JSON.stringify({ shape: SHAPE, loadAverage: { before: loadBefore, after: loadAfter }, rows }, null, 2));
    console.log(`wrote ${options.json}`);
  }
}

/** The 1/5/15-minute load averages, as `uptime` prints them. */
function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
}

main();
