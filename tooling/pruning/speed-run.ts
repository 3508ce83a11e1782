/**
 * Batch-1 decode speed of a dense model against its pruned variants (2:4, 4:8, unstructured at
 * several sparsities), each next to its byte-count ceiling, plus bytes on disk, in memory and
 * peak RSS per format. See speed.ts for the command line.
 *
 * Speed (one process, one run): every variant is built from the same synthetic checkpoint and
 * timed in rounds that alternate it with the dense model (T decode steps each, order flipped
 * every round); the speed-up is the median over rounds of the two times measured back to back,
 * which survives a shared, loaded machine far better than separate runs would.
 * Memory (fresh processes): each format's checkpoint is written to disk and loaded by a child
 * process the way the CLI loads it, which reports its peak RSS (and its own tok/s).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadNativeBackend, describeWeightMemory, setHugePagesByDefault, type KernelBackend, type Tensor } from "@sieve/core";
import { LlamaModel, synthCheckpoint, writeHfDirectory, type LoadedCheckpoint } from "@sieve/model";
import { sparseWeightTensors } from "../../packages/weight-pruning/src/checkpoint/tensors.js";
import { layerNameOf } from "../../packages/weight-pruning/src/checkpoint/names.js";
import { writePackedCheckpoint } from "../../packages/weight-pruning/src/checkpoint/write.js";
import type { SparseWeight } from "../../packages/weight-pruning/src/formats/sparse-weight.js";
import { sparseLinearFactory } from "../../packages/weight-pruning/src/layers/factory.js";
import { CHILD_RESULT, runChild, type ChildResult } from "./speed-child.js";
import { DecodeRunner, linearKernels, median, syntheticPrompt, weightBytesPerToken } from "./speed-decode.js";
import { describeMachine, loadAverages, machineState, round2 } from "./machine.js";
import { renderSpeedMarkdown, renderSpeedTable, type SpeedReport, type VariantResult } from "./speed-report.js";
import { buildVariant, parseVariant, type VariantSpec } from "./speed-variants.js";

interface Options {
  preset: string;
  dtype: "f32" | "f16";
  variants: string[];
  tokens: number;
  rounds: number;
  threads?: number;
  workdir: string;
  keep: boolean;
  children: boolean;
  json?: string;
  md?: string;
}

const USAGE =
  "pnpm exec tsx tooling/pruning/speed.ts [--preset tinyllama-1.1b] [--dtype f16|f32] [--variants dense,nm-2:4,nm-4:8,unstructured-50,unstructured-70,unstructured-90]\n" +
  "  [--tokens 8] [--rounds 5] [--threads N] [--workdir DIR] [--keep] [--no-children] [--json out.json] [--md out.md]";

function parseArgs(argv: string[]): Options {
  const o: Options = {
    preset: "tinyllama-1.1b",
    dtype: "f16",
    variants: ["dense", "nm-2:4", "nm-4:8", "unstructured-50", "unstructured-70", "unstructured-90"],
    tokens: 8,
    rounds: 5,
    workdir: "/tmp/sieve-pruning-speed",
    keep: false,
    children: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--preset") o.preset = next();
    else if (a === "--dtype") {
      const d = next();
      if (d !== "f16" && d !== "f32") throw new Error(`--dtype must be f16 or f32, got ${d}`);
      o.dtype = d;
    } else if (a === "--variants") o.variants = next().split(",");
    else if (a === "--tokens") o.tokens = Number(next());
    else if (a === "--rounds") o.rounds = Number(next());
    else if (a === "--threads") o.threads = Number(next());
    else if (a === "--workdir") o.workdir = resolve(next());
    else if (a === "--keep") o.keep = true;
    else if (a === "--no-children") o.children = false;
    else if (a === "--json") o.json = resolve(next());
    else if (a === "--md") o.md = resolve(next());
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (!o.variants.includes("dense")) o.variants.unshift("dense");
  return o;
}

function log(message: string): void {
  process.stderr.write(`[speed] ${message}  (load ${loadAverages().join(" / ")})\n`);
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** The model's weights with each packed linear's <name>.weight replaced by its compressed tensors. */
function packedWeights(ck: LoadedCheckpoint, packed: ReadonlyMap<string, SparseWeight>): Map<string, Tensor> {
  const weights = new Map(ck.weights);
  for (const [name, w] of packed) {
    weights.delete(name);
    for (const [tensorName, t] of sparseWeightTensors(layerNameOf(name), w)) weights.set(tensorName, t);
  }
  return weights;
}

/** Rounds alternating dense and variant (order flipped each round), T steps each. */
function timeAgainstDense(dense: DecodeRunner, variant: DecodeRunner, tokens: number, rounds: number): { dense: number[]; variant: number[] } {
  dense.timeDecode(2);
  variant.timeDecode(2);
  const d: number[] = [];
  const v: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      d.push(dense.timeDecode(tokens));
      v.push(variant.timeDecode(tokens));
    } else {
      v.push(variant.timeDecode(tokens));
      d.push(dense.timeDecode(tokens));
    }
  }
  return { dense: d, variant: v };
}

function resultOf(spec: VariantSpec, o: Options, model: LlamaModel, denseTimes: number[], times: number[], denseBytesPerToken: number, diskBytes: number): VariantResult {
  const ratios = denseTimes.map((d, i) => d / times[i]!);
  const bytesPerToken = weightBytesPerToken(model);
  const ceiling = denseBytesPerToken / bytesPerToken;
  const speedup = spec.prune ? median(ratios) : 1;
  return {
    name: spec.name,
    label: spec.label,
    tokPerS: times.length ? round2(o.tokens / median(times)) : 0,
    denseTokPerS: denseTimes.length ? round2(o.tokens / median(denseTimes)) : 0,
    bestTokPerS: times.length ? round2(o.tokens / Math.min(...times)) : 0,
    speedup: round2(speedup),
    roundRatios: ratios.map(round2),
    bytesPerToken,
    ceiling: round2(ceiling),
    ofCeiling: Math.round((100 * speedup) / ceiling),
    weightBytesInMemory: model.weightBytes,
    diskBytes,
    kernels: linearKernels(model),
    load: loadAverages(),
  };
}

function runChildProcess(dir: string, o: Options): ChildResult | { error: string } {
  const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  // tsx's own entry (node_modules/.bin/tsx is a shell shim under pnpm).
  const tsx = realpathSync(join(root, "node_modules", "tsx", "dist", "cli.mjs"));
  const args = [tsx, fileURLToPath(new URL("./speed.ts", import.meta.url)), "--child", dir, "--tokens", String(o.tokens)];
  if (o.threads) args.push("--threads", String(o.threads));
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: process.env, maxBuffer: 16 << 20 });
  const line = r.stdout?.split("\n").find((l) => l.startsWith(CHILD_RESULT));
  if (r.status !== 0 || !line) return { error: `exit ${r.status}: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}` };
  return JSON.parse(line.slice(CHILD_RESULT.length)) as ChildResult;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") {
    const threadsAt = argv.indexOf("--threads");
    await runChild(argv[1]!, Number(argv[argv.indexOf("--tokens") + 1] ?? 8), threadsAt > 0 ? Number(argv[threadsAt + 1]) : undefined);
    return;
  }
  const o = parseArgs(argv);
  const specs: VariantSpec[] = o.variants.map(parseVariant);
  setHugePagesByDefault(true); // weights as the serving engine holds them (2 MiB pages)
  const loaded = loadNativeBackend();
  if (!loaded.ok) throw new Error(`the speed tool measures the native kernels: ${loaded.reason}`);
  const native = loaded.backend;
  if (o.threads) native.setThreads(o.threads);
  const backend = (): KernelBackend => native;
  const before = machineState(native, true);
  log(`machine: ${describeMachine(before)}; addon ${loaded.path}`);

  let start = process.hrtime.bigint();
  const ck = synthCheckpoint(o.preset, o.dtype, 0);
  log(`synthesized ${o.preset} ${o.dtype} in ${seconds(start).toFixed(1)} s`);
  const denseModel = new LlamaModel(ck.config, ck.weights, { backend });
  const prompt = syntheticPrompt(ck.config.vocabSize);
  const denseRunner = new DecodeRunner(denseModel, prompt, o.tokens);
  const denseBytesPerToken = weightBytesPerToken(denseModel);
  mkdirSync(o.workdir, { recursive: true });

  const results: VariantResult[] = [];
  const allDenseTimes: number[] = [];
  for (const spec of specs) {
    const dir = join(o.workdir, spec.name.replace(":", "_"));
    rmSync(dir, { recursive: true, force: true });
    if (!spec.prune) {
      await writeHfDirectory(dir, ck);
      // Its speed comes from the dense halves of every variant's rounds (filled in below).
      results.push(resultOf(spec, o, denseModel, [], [], denseBytesPerToken, directoryBytes(dir)));
      continue;
    }
    start = process.hrtime.bigint();
    const packed = buildVariant(ck, spec);
    log(`${spec.name}: pruned and compressed ${packed.size} linears in ${seconds(start).toFixed(1)} s`);
    const model = new LlamaModel(ck.config, packedWeights(ck, packed), { backend, linearFactory: sparseLinearFactory });
    const runner = new DecodeRunner(model, prompt, o.tokens);
    await writePackedCheckpoint(dir, ck, packed, { recipe: { method: "magnitude", variant: spec.name, tool: "tooling/pruning/speed.ts" } });
    start = process.hrtime.bigint();
    const times = timeAgainstDense(denseRunner, runner, o.tokens, o.rounds);
    allDenseTimes.push(...times.dense);
    const result = resultOf(spec, o, model, times.dense, times.variant, denseBytesPerToken, directoryBytes(dir));
    results.push(result);
    log(`${spec.name}: ${result.tokPerS} tok/s vs dense ${result.denseTokPerS} -> x${result.speedup} (ceiling x${result.ceiling}, ${result.ofCeiling}%) in ${seconds(start).toFixed(1)} s; ${describeWeightMemory()}`);
    runner.release();
  }
  denseRunner.release();
  const dense = results.find((r) => r.name === "dense");
  if (dense && allDenseTimes.length) {
    dense.tokPerS = dense.denseTokPerS = round2(o.tokens / median(allDenseTimes));
    dense.bestTokPerS = round2(o.tokens / Math.min(...allDenseTimes));
  }

  if (o.children) {
    for (const r of results) {
      const child = runChildProcess(join(o.workdir, r.name.replace(":", "_")), o);
      if ("error" in child) {
        r.childError = child.error;
        log(`${r.name}: child failed: ${child.error}`);
      } else {
        r.child = { peakRssBytes: child.peakRssBytes, tokPerS: round2(child.tokPerS), loadSeconds: round2(child.loadSeconds), weightBytesInMemory: child.weightBytesInMemory };
        log(`${r.name}: fresh process peak RSS ${(child.peakRssBytes / 2 ** 30).toFixed(2)} GiB, ${child.tokPerS.toFixed(2)} tok/s`);
      }
    }
  }
  if (!o.keep) rmSync(o.workdir, { recursive: true, force: true });

  const report: SpeedReport = {
    command: `pnpm exec tsx tooling/pruning/speed.ts ${argv.join(" ")}`.trim(),
    preset: o.preset,
    dtype: o.dtype,
    tokens: o.tokens,
    rounds: o.rounds,
    threads: native.describe().threads,
    addon: loaded.path,
    before,
    after: machineState(native, false),
    denseBytesPerToken,
    results,
  };
  process.stdout.write(renderSpeedTable(report));
  if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
  if (o.md) writeFileSync(o.md, renderSpeedMarkdown(report));
}

await main();
