/**
 * Evidence for DejaVu contextual sparsity on the real stories260K model:
 *   1. calibration text sampled from the dense model itself (temperature 1 from BOS), so it is
 *      disjoint from the evaluation text by construction;
 *   2. predictors trained per budget (labels = the top budget fraction), timed;
 *   3. predictor recall on held-out calibration tokens and on TinyStories-valid (dense activations);
 *   4. accuracy against the dense model on tinystories-valid-46.txt (perplexity, KL, top-1
 *      agreement) with per-token selection, i.e. what batch-1 decoding computes for every token;
 *   5. the batch size above which the union of selections no longer pays (kernel timings).
 * Writes docs/results/dejavu.md and prints it.
 *
 *   npx tsx --tsconfig tooling/activation/tsconfig.json tooling/activation/dejavu.ts [--quick]
 *
 * SIEVE_ASSETS points at the shared assets (default ../shared/assets beside the repository).
 */
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng, getBackendStatus } from "@sieve/core";
import { LlamaModel, calibrationFromModel, compareModels, loadLlama2c, readDocuments, tokenizeDocuments } from "@sieve/model";
import {
  LowRankPredictor,
  applyDejaVu,
  collectDejaVuActivations,
  dejavuShapeOf,
  loadDejaVuPredictors,
  predictorSourceBlock,
  saveDejaVuPredictors,
  selectionRecall,
  trainDejaVuFromActivations,
  type DejaVuActivations,
  type DejaVuPredictors,
  type DejaVuTrainReport,
} from "../../packages/activation-sparsity/src/index.js";
import { crossoverBatch, measureKernelTimes, measureUnionGrowth } from "./dejavu-batching.js";
import { applyOracleMlp } from "./dejavu-oracle.js";
import { renderDejaVuReport, type AccuracyRow, type DejaVuEvidence, type PredictorSize, type RecallRow } from "./dejavu-report.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const assets = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
const quick = process.argv.includes("--quick");
const CALIBRATION = { samples: quick ? 8 : 96, length: 256, seed: 20_240_601 };
/**
 * The training recipe: margin-weighted BCE (labels.ts marginWeights), Adam with a cosine-decayed
 * step size, mini-batches of 256 (see docs/results/dejavu.md, "What changed", for what each part buys).
 */
const TRAIN = { maxEpochs: quick ? 3 : 12, patience: 4, seed: 0, batchSize: 256, learningRate: 1e-2, schedule: "cosine", labelWeighting: "margin" } as const;
/** The recipe before issue #6, trained again in the same run for the "What changed" comparison. */
const PREVIOUS = { samples: quick ? 4 : 48, train: { maxEpochs: quick ? 3 : 20, patience: 3, seed: 0, batchSize: 128, learningRate: 1e-2, schedule: "constant", labelWeighting: "none" } as const };
/** Each set of predictors is trained with labels at its own budgets. */
const TRAINED_BUDGETS = [
  { mlp: 0.75, heads: 0.75 },
  { mlp: 0.5, heads: 0.5 },
  { mlp: 0.25, heads: 0.5 },
];

function log(message: string): void {
  process.stderr.write(`[dejavu] ${message}\n`);
}

async function seconds<T>(run: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const value = await run();
  return [value, (performance.now() - started) / 1000];
}

/** Held-out and evaluation-text recall of one kind at one budget, averaged over blocks. */
function recallRow(kind: "mlp" | "heads", budget: number, predictors: DejaVuPredictors, report: DejaVuTrainReport, valid: DejaVuActivations): RecallRow {
  const { dim, hiddenDim, nHeads, nLayers } = predictors.shape;
  const n = kind === "mlp" ? hiddenDim : nHeads;
  const heldOut = report.blocks.map((b) => (kind === "mlp" ? b.mlp : b.attention).recall.find((r) => r.budget === budget)!);
  const onValid = Array.from({ length: nLayers }, (_, block) => {
    const p = kind === "mlp" ? predictors.blocks[block]!.mlp : predictors.blocks[block]!.attention;
    const scores = new Float32Array(valid.rows * n);
    p.scores(scores, valid.blockInputs[predictorSourceBlock(block)]!.subarray(0, valid.rows * dim), valid.rows);
    return selectionRecall(scores, (kind === "mlp" ? valid.neuronContributions : valid.headContributions)[block]!, valid.rows, n, budget);
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    kind,
    budget,
    heldOutRecall: mean(heldOut.map((r) => r.recall)),
    heldOutMass: mean(heldOut.map((r) => r.massRecall)),
    validRecall: mean(onValid.map((r) => r.recall)),
    validMass: mean(onValid.map((r) => r.massRecall)),
    validPerBlock: onValid.map((r) => r.recall),
  };
}

/**
 * Predictor cost per token against the block part it predicts for: multiply-adds (= f32 weights read at batch 1)
 * of the MLP (gate, up, down) and of the attention projections (q, k, v, o; the attention itself varies with context).
 */
function predictorSizes(p: DejaVuPredictors, c: { dim: number; hiddenDim: number; nHeads: number; nKvHeads: number; headDim: number; nLayers: number }): PredictorSize[] {
  const mlpMacs = 3 * c.dim * c.hiddenDim;
  const attnMacs = 2 * c.dim * c.nHeads * c.headDim + 2 * c.dim * c.nKvHeads * c.headDim;
  const size = (kind: "mlp" | "heads", q: LowRankPredictor, blockMacs: number): PredictorSize => ({
    kind,
    rank: q.rank,
    params: q.w1.length + q.b1.length + q.w2.length + q.b2.length,
    macs: q.macsPerRow,
    blockMacs,
  });
  const b = p.blocks[0]!;
  return [size("mlp", b.mlp, mlpMacs), size("heads", b.attention, attnMacs)];
}

/** The first `samples` calibration samples' rows (rows are stored sample by sample, in order). */
function firstSamples(acts: DejaVuActivations, samples: number): DejaVuActivations {
  let rows = 0;
  while (rows < acts.rows && acts.documentOfRow[rows]! < samples) rows++;
  const cut = (xs: Float32Array[], cols: number): Float32Array[] => xs.map((x) => x.subarray(0, rows * cols));
  const shape = { dim: acts.blockInputs[0]!.length / acts.rows, hidden: acts.neuronContributions[0]!.length / acts.rows, heads: acts.headContributions[0]!.length / acts.rows };
  return {
    rows,
    documentOfRow: acts.documentOfRow.subarray(0, rows),
    blockInputs: cut(acts.blockInputs, shape.dim),
    neuronContributions: cut(acts.neuronContributions, shape.hidden),
    headContributions: cut(acts.headContributions, shape.heads),
  };
}

/** Predictors with random weights: the "no training" baseline. */
function untrained(like: DejaVuPredictors): DejaVuPredictors {
  const rng = new Rng(99);
  const { dim, hiddenDim, nHeads } = like.shape;
  return { ...like, blocks: like.blocks.map((b) => ({ mlp: LowRankPredictor.init(dim, b.mlp.rank, hiddenDim, rng), attention: LowRankPredictor.init(dim, b.attention.rank, nHeads, rng) })) };
}

/** The machine's 1/5/15-minute load averages, as "a / b / c" (timings on a shared machine mean little without them). */
function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");
}

async function main(): Promise<void> {
  const loadAtStart = load();
  const modelPath = join(assets, "stories260K/stories260K.bin");
  const checkpoint = await loadLlama2c(modelPath, { tokenizer: join(assets, "stories260K/tok512.bin") });
  const tokenizer = checkpoint.tokenizer!;
  const dense = new LlamaModel(checkpoint.config, checkpoint.weights);
  const stories = await readDocuments(join(assets, "data/tinystories-valid-46.txt"));
  const validDocs = tokenizeDocuments(tokenizer, quick ? stories.slice(0, 6) : stories);
  const evalOptions = { ctx: 512 } as const;

  log(`sampling ${CALIBRATION.samples} x ${CALIBRATION.length} calibration tokens from the dense model`);
  const [samples, generateSeconds] = await seconds(() => calibrationFromModel(dense, tokenizer, CALIBRATION));
  const [acts, collectSeconds] = await seconds(() => collectDejaVuActivations(dense, samples));
  log(`collected ${acts.rows} tokens in ${collectSeconds.toFixed(1)} s`);

  const trained: Array<{ budgets: { mlp: number; heads: number }; predictors: DejaVuPredictors; report: DejaVuTrainReport }> = [];
  for (const budgets of TRAINED_BUDGETS) {
    log(`training predictors for mlp ${budgets.mlp}, heads ${budgets.heads}`);
    const result = trainDejaVuFromActivations(acts, dejavuShapeOf(dense), { mlpBudget: budgets.mlp, headBudget: budgets.heads, ...TRAIN, onProgress: log });
    trained.push({ budgets, ...result });
  }
  // What each change buys, at MLP 50 %: the previous recipe, and today's without the margin weights.
  const ablations: Array<{ name: string; predictors: DejaVuPredictors; report: DejaVuTrainReport }> = [];
  for (const [name, data, options] of [
    [`previous recipe: ${PREVIOUS.samples} samples, plain BCE, constant lr 1e-2, batch 128`, firstSamples(acts, PREVIOUS.samples), PREVIOUS.train],
    [`this recipe without margin weights (plain BCE)`, acts, { ...TRAIN, labelWeighting: "none" }],
  ] as const) {
    log(`training ablation: ${name}`);
    const result = trainDejaVuFromActivations(data, dejavuShapeOf(dense), { mlpBudget: 0.5, headBudget: 0.5, ...options, onProgress: log });
    ablations.push({ name, ...result });
  }
  const forMlp = (b: number) => trained.find((t) => t.budgets.mlp === b)!;
  const forHeads = (b: number) => trained.find((t) => t.budgets.heads === b)!;

  const [valid, validCollectSeconds] = await seconds(() => collectDejaVuActivations(dense, validDocs));
  log(`collected ${valid.rows} evaluation tokens for recall in ${validCollectSeconds.toFixed(1)} s`);
  const recall: RecallRow[] = [
    ...[0.75, 0.5, 0.25].map((b) => recallRow("mlp", b, forMlp(b).predictors, forMlp(b).report, valid)),
    ...[0.75, 0.5].map((b) => recallRow("heads", b, forHeads(b).predictors, forHeads(b).report, valid)),
  ];
  const ablationRecall = ablations.map((a) => recallRow("mlp", 0.5, a.predictors, a.report, valid));

  // The recommended set (MLP 50 %, heads 75 %) goes through a file and back, and is evaluated as loaded.
  const combined: DejaVuPredictors = {
    ...forMlp(0.5).predictors,
    blocks: forMlp(0.5).predictors.blocks.map((b, i) => ({ mlp: b.mlp, attention: forHeads(0.75).predictors.blocks[i]!.attention })),
    budgets: { mlp: 0.5, heads: 0.75 },
  };
  const file = join(tmpdir(), `stories260K.dejavu.${process.pid}.safetensors`);
  await saveDejaVuPredictors(file, combined);
  const loaded = await loadDejaVuPredictors(file);
  const persistence = { file: "stories260K.dejavu.safetensors", bytes: (await stat(file)).size, tensors: loaded.blocks.length * 8, budgets: loaded.budgets };
  await rm(file);

  const configs: Array<{ name: string; predictors: DejaVuPredictors; mlpBudget: number; headBudget: number }> = [
    ...[0.75, 0.5, 0.25].map((b) => ({ name: `MLP ${b * 100}%`, predictors: forMlp(b).predictors, mlpBudget: b, headBudget: 1 })),
    ...[0.75, 0.5].map((b) => ({ name: `heads ${b * 100}%`, predictors: forHeads(b).predictors, mlpBudget: 1, headBudget: b })),
    { name: "MLP 50% + heads 75% (loaded from file)", predictors: loaded, mlpBudget: 0.5, headBudget: 0.75 },
    { name: "MLP 50%, untrained predictors (baseline)", predictors: untrained(forMlp(0.5).predictors), mlpBudget: 0.5, headBudget: 1 },
    ...ablations.map((a) => ({ name: `MLP 50%, ${a.name}`, predictors: a.predictors, mlpBudget: 0.5, headBudget: 1 })),
  ];
  const sparse = new LlamaModel(checkpoint.config, checkpoint.weights);
  const accuracy: AccuracyRow[] = [];
  let dejavuKernelName = "";
  let denseNll = Number.NaN;
  let evalTokens = 0;
  for (const c of configs) {
    const handle = applyDejaVu(sparse, c.predictors, { mlpBudget: c.mlpBudget, headBudget: c.headBudget, batchPolicy: "per-token" });
    const [cmp, secs] = await seconds(() => compareModels(dense, sparse, validDocs, evalOptions));
    handle.restore();
    if (handle.kernels.mlp !== "dense") dejavuKernelName = handle.kernels.mlp;
    denseNll = cmp.nllA;
    evalTokens = cmp.tokens;
    const s = handle.stats;
    accuracy.push({ name: c.name, ppl: Math.exp(cmp.nllB), nll: cmp.nllB, kl: cmp.kl, top1: cmp.top1Agreement, mlpDensity: s.mlpNeuronsComputed / s.mlpNeuronsDense, headDensity: s.headsComputed / s.headsDense, seconds: secs });
    log(`${c.name}: ppl ${Math.exp(cmp.nllB).toFixed(4)}, KL ${cmp.kl.toFixed(4)}, top-1 ${cmp.top1Agreement.toFixed(4)} (${secs.toFixed(1)} s)`);
  }
  // The ceiling: each token keeps its truly most contributing neurons (no predictor could do better by this measure).
  for (const b of [0.75, 0.5, 0.25]) {
    const restore = applyOracleMlp(sparse, b);
    const [cmp, secs] = await seconds(() => compareModels(dense, sparse, validDocs, evalOptions));
    restore();
    accuracy.push({ name: `MLP ${b * 100}%, oracle top-K (ceiling)`, ppl: Math.exp(cmp.nllB), nll: cmp.nllB, kl: cmp.kl, top1: cmp.top1Agreement, mlpDensity: b, headDensity: 1, seconds: secs });
  }

  log("measuring batch unions and kernel times");
  const loadAtTimings = load();
  const batches = [1, 2, 3, 4, 6, 8, 16];
  const growth = measureUnionGrowth(forMlp(0.5).predictors, valid.blockInputs, valid.rows, 0.5, batches);
  const timing110m = measureKernelTimes(768, 2048, growth, quick ? 3 : 9);
  const timingStories = measureKernelTimes(checkpoint.config.dim, checkpoint.config.hiddenDim, growth, quick ? 3 : 9);

  const evidence: DejaVuEvidence = {
    backend: getBackendStatus().active,
    quick,
    load: { start: loadAtStart, timings: loadAtTimings, end: load() },
    calibration: { ...CALIBRATION, tokens: acts.rows, generateSeconds, collectSeconds },
    training: trained.map((t) => ({ budgets: t.budgets, report: t.report, mlpRank: t.predictors.blocks[0]!.mlp.rank, headRank: t.predictors.blocks[0]!.attention.rank })),
    trainOptions: TRAIN,
    recall,
    ablations: ablations.map((a, i) => ({ name: a.name, trainTokens: a.report.trainTokens, trainSeconds: a.report.trainSeconds, recall: ablationRecall[i]! })),
    sizes: predictorSizes(forMlp(0.5).predictors, checkpoint.config),
    dense: { ppl: Math.exp(denseNll), nll: denseNll, tokens: evalTokens, stories: validDocs.length },
    accuracy,
    persistence,
    batching: {
      budget: 0.5,
      growth,
      timing110m,
      timingStories,
      kernel: dejavuKernelName,
      crossoverNative110m: crossoverBatch(timing110m, (r) => r.sparseNativeMs + r.predictorMs, (r) => r.denseNativeMs),
      crossoverNativeStories: crossoverBatch(timingStories, (r) => r.sparseNativeMs + r.predictorMs, (r) => r.denseNativeMs),
      crossoverTypescriptVsReference110m: crossoverBatch(timing110m, (r) => r.sparseMs, (r) => r.denseReferenceMs),
      crossoverTypescriptVsNative110m: crossoverBatch(timing110m, (r) => r.sparseMs, (r) => r.denseNativeMs),
    },
  };
  const markdown = renderDejaVuReport(evidence);
  const out = join(repoRoot, "docs/results/dejavu.md");
  if (!quick) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, markdown);
    log(`wrote ${out}`);
  }
  process.stdout.write(markdown);
}

await main();
