/**
 * Prunes stories260K with every method and pattern and measures what it costs on held-out text:
 * perplexity on TinyStories-valid (46 stories, BOS per story, windows of 512), and against the
 * dense model the mean KL(dense || pruned) per token and top-1 agreement. Prints a table, writes
 * docs/results/pruning-quality.md, and with --json the raw rows.
 *
 * Calibration never sees the evaluation text: samples are drawn from the dense model itself
 * (temperature 1, from BOS), and the script reports how many of their 8-grams occur in the
 * evaluation text as a leakage check.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getBackendStatus, type Tensor } from "@sieve/core";
import {
  LlamaModel,
  calibrationFromModel,
  calibrationTokenCount,
  compareModels,
  evaluatePerplexity,
  loadCheckpoint,
  readDocuments,
  tokenizeDocuments,
  type CalibrationSamples,
} from "@sieve/model";
import { pruneModel, pruneStructured } from "@sieve/weight-pruning";
import { loadAverages } from "./machine.js";
import { qualityCases, type QualityCase } from "./quality-cases.js";
import { renderMarkdown, renderTable, type QualityRow, type QualitySetup } from "./quality-report.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const COMMAND = "pnpm exec tsx tooling/pruning/quality.ts";

interface Args {
  json?: string;
  /** Re-render the markdown from a --json file of an earlier run instead of running anything. */
  render?: string;
  md: string;
  samples: number;
  length: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { md: join(repoRoot, "docs/results/pruning-quality.md"), samples: 64, length: 256, seed: 1234 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--json") args.json = resolve(value());
    else if (flag === "--md") args.md = resolve(value());
    else if (flag === "--render") args.render = resolve(value());
    else if (flag === "--samples") args.samples = Number(value());
    else if (flag === "--length") args.length = Number(value());
    else if (flag === "--seed") args.seed = Number(value());
    else throw new Error(`unknown option ${flag} (options: --json FILE, --md FILE, --samples N, --length L, --seed S, --render FILE)`);
  }
  return args;
}

/** Fraction of the calibration 8-grams that also occur in the evaluation text (a leakage check). */
function ngramOverlap(calibration: CalibrationSamples, evalDocs: number[][], n = 8): number {
  const seen = new Set<string>();
  for (const d of evalDocs) for (let i = 0; i + n <= d.length; i++) seen.add(d.slice(i, i + n).join(","));
  let hit = 0;
  let total = 0;
  for (const s of calibration) {
    for (let i = 0; i + n <= s.length; i++) {
      total++;
      if (seen.has(Array.from(s.subarray(i, i + n)).join(","))) hit++;
    }
  }
  return total ? hit / total : 0;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const saved = JSON.parse(readFileSync(args.render, "utf8")) as { setup: QualitySetup; rows: QualityRow[] };
    console.log(renderTable(saved.rows));
    writeFileSync(args.md, renderMarkdown(saved.setup, saved.rows));
    log(`re-rendered ${relative(process.cwd(), args.md)} from ${args.render}`);
    return;
  }
  const assets = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
  const started = performance.now();
  const checkpoint = await loadCheckpoint(join(assets, "stories260K/stories260K.bin"), { tokenizer: join(assets, "stories260K/tok512.bin") });
  const tokenizer = checkpoint.tokenizer!;
  const dense = new LlamaModel(checkpoint.config, checkpoint.weights);
  const evalDocs = tokenizeDocuments(tokenizer, await readDocuments(join(assets, "data/tinystories-valid-46.txt")));
  const evalOptions = { ctx: 512, bos: "per-document" as const };

  log(`calibration: sampling ${args.samples} x ${args.length} tokens from the dense model...`);
  const calibration = await calibrationFromModel(dense, tokenizer, { samples: args.samples, length: args.length, seed: args.seed });
  const setup: QualitySetup = {
    command: COMMAND,
    backend: getBackendStatus().active,
    config: checkpoint.config,
    evalDocuments: evalDocs.length,
    evalTokens: 0,
    calibrationSamples: args.samples,
    calibrationLength: args.length,
    calibrationTokens: calibrationTokenCount(calibration),
    calibrationSeed: args.seed,
    calibrationOverlap8: ngramOverlap(calibration, evalDocs),
    seconds: 0,
    loadAverages: loadAverages(),
  };

  const denseEval = await evaluatePerplexity(dense, evalDocs, evalOptions);
  setup.evalTokens = denseEval.tokens;
  const rows: QualityRow[] = [];
  const cases = qualityCases();
  for (const [i, c] of cases.entries()) {
    log(`[${i + 1}/${cases.length}] ${c.label}`);
    rows.push(await runCase(c, checkpoint.config, checkpoint.weights, dense, calibration, evalDocs, evalOptions, denseEval.ppl));
  }
  setup.seconds = (performance.now() - started) / 1000;
  console.log(renderTable(rows));
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ setup, rows }, null, 2));
    log(`wrote ${args.json}`);
  }
  mkdirSync(dirname(args.md), { recursive: true });
  writeFileSync(args.md, renderMarkdown(setup, rows));
  log(`wrote ${relative(process.cwd(), args.md)} (${setup.seconds.toFixed(0)} s)`);
}

async function runCase(
  c: QualityCase,
  config: LlamaModel["config"],
  weights: Map<string, Tensor>,
  dense: LlamaModel,
  calibration: CalibrationSamples,
  evalDocs: number[][],
  evalOptions: { ctx: number; bos: "per-document" },
  densePpl: number,
): Promise<QualityRow> {
  const t0 = performance.now();
  let model: LlamaModel;
  let sparsity = 0;
  let modelSparsity = 0;
  let meanLayerError: number | undefined;
  let note = "";
  let outlierRatios: number[] | undefined;
  if (c.kind === "dense") model = dense;
  else if (c.kind === "unstructured") {
    // A fresh model over the same checkpoint tensors: pruning swaps layers and never writes into them.
    model = new LlamaModel(config, weights);
    // Magnitude ignores the calibration samples except to measure each layer's error (and to reconstruct).
    const { report } = await pruneModel(model, { ...c.options, calibration });
    sparsity = report.sparsity;
    modelSparsity = report.modelSparsity;
    const errors = report.layers.map((l) => l.relativeErrorReconstructed ?? l.relativeError).filter((e): e is number => e !== undefined);
    if (errors.length) meanLayerError = errors.reduce((a, b) => a + b, 0) / errors.length;
    if (report.allocation === "owl") {
      outlierRatios = report.outlierRatios;
      const ratios = report.outlierRatios!.map((r) => (100 * r).toFixed(1)).join("/");
      note = `block sparsity ${report.blockSparsity.map((s) => (100 * s).toFixed(0)).join("/")}%; outlier ratio ${ratios}%`;
    }
  } else {
    const r = await pruneStructured(new LlamaModel(config, weights), c.spec, { calibration, reconstruct: c.reconstruct });
    model = r.model;
    modelSparsity = 1 - r.report.parametersAfter / r.report.parametersBefore;
    const cfg = r.config;
    note = `hidden ${cfg.hiddenDim}, heads ${cfg.nHeads}/${cfg.nKvHeads} KV, ${cfg.nLayers} blocks`;
    if (c.spec.kind === "blocks") note += `; removed block ${r.report.removed[0]!.join(", ")}`;
  }
  const pruneSeconds = (performance.now() - t0) / 1000;
  const ppl = (await evaluatePerplexity(model, evalDocs, evalOptions)).ppl;
  const cmp = await compareModels(dense, model, evalDocs, evalOptions);
  return {
    label: c.label,
    group: c.group,
    method: c.kind === "unstructured" ? c.options.method : c.kind,
    sparsity,
    modelSparsity,
    ppl,
    pplRatio: ppl / densePpl,
    kl: cmp.kl,
    top1: cmp.top1Agreement,
    meanLayerError,
    pruneSeconds,
    note,
    outlierRatios,
  };
}

await main();
