/**
 * Trains one LowRankPredictor: binary cross-entropy (with logits, optionally weighted per label)
 * against 0/1 labels, Adam with a cosine-decayed step size, shuffled mini-batches from a fixed
 * seed, and early stopping on held-out rows (the weights of the best held-out epoch are returned).
 * Products run on a kernel backend's matmul (predictor-step.ts), so the native GEMM does the work.
 */
import { Rng, getBackend, type KernelBackend } from "@sieve/core";
import { Adam } from "./adam.js";
import { LowRankPredictor } from "./predictor.js";
import { PredictorWorkspace, bceWithLogit, forwardBatch, gradientStep } from "./predictor-step.js";

/** Rows of inputs with one 0/1 label per output. */
export interface LabeledRows {
  /** [rows, inFeatures] */
  x: Float32Array;
  /** [rows, outFeatures], 1 = important. */
  labels: Uint8Array;
  /**
   * [rows, outFeatures], optional weight of each label's loss term (cost-sensitive training: a
   * neuron far from the keep/drop boundary costs more to get wrong; see labels.ts marginWeights).
   */
  weights?: Float32Array;
  rows: number;
}

export interface PredictorTrainOptions {
  /** Hidden width r of the predictor. */
  rank: number;
  /** Adam step size (default 1e-2). */
  learningRate?: number;
  /** Rows per mini-batch (default 128). */
  batchSize?: number;
  /** Most passes over the training rows (default 30). */
  maxEpochs?: number;
  /** Epochs without a held-out improvement before stopping (default 3). */
  patience?: number;
  /** A held-out loss must drop by this fraction to count as an improvement (default 1e-3). */
  minImprovement?: number;
  /** Seeds the initial weights and the shuffling (default 0). */
  seed?: number;
  /**
   * Step size over training: "cosine" decays it from learningRate to 0 over maxEpochs (default;
   * the late small steps settle the ranking near the keep/drop boundary), "constant" keeps it.
   */
  schedule?: "cosine" | "constant";
  /** Runs the products (default: the active backend). */
  backend?: KernelBackend;
}

export interface EpochRecord {
  trainLoss: number;
  heldOutLoss: number;
}

export interface PredictorTrainResult {
  predictor: LowRankPredictor;
  /** Held-out loss of the untrained predictor. */
  initialHeldOutLoss: number;
  history: EpochRecord[];
  /** 1-based epoch whose weights were kept (0 = none improved on the initial weights). */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** Mean (weighted) binary cross-entropy (nats per label) of a predictor on labeled rows. */
export function bceLoss(predictor: LowRankPredictor, data: LabeledRows, backend: KernelBackend = getBackend()): number {
  const n = predictor.outFeatures;
  const chunk = 512;
  const ws = new PredictorWorkspace(predictor.inFeatures, predictor.rank, n, Math.min(chunk, Math.max(1, data.rows)));
  let sum = 0;
  for (let start = 0; start < data.rows; start += chunk) {
    const rows = Math.min(chunk, data.rows - start);
    const z = forwardBatch(backend, predictor, ws, data.x.subarray(start * predictor.inFeatures), rows);
    const o = start * n;
    for (let i = 0; i < rows * n; i++) sum += (data.weights ? data.weights[o + i]! : 1) * bceWithLogit(z[i]!, data.labels[o + i]!);
  }
  return data.rows > 0 ? sum / (data.rows * n) : Number.NaN;
}

function checkRows(name: string, data: LabeledRows, d: number, n: number): void {
  if (data.x.length !== data.rows * d || data.labels.length !== data.rows * n || (data.weights && data.weights.length !== data.rows * n)) {
    throw new RangeError(`trainPredictor: ${name} has x of ${data.x.length}, labels of ${data.labels.length} and weights of ${data.weights?.length ?? "no"} values for ${data.rows} rows (expected ${d}, ${n} and ${n} per row)`);
  }
}

export function trainPredictor(train: LabeledRows, heldOut: LabeledRows, options: PredictorTrainOptions): PredictorTrainResult {
  if (train.rows < 1) throw new RangeError("trainPredictor: no training rows");
  const d = train.x.length / train.rows;
  const n = train.labels.length / train.rows;
  checkRows("train", train, d, n);
  checkRows("heldOut", heldOut, d, n);
  const batchSize = options.batchSize ?? 128;
  const maxEpochs = options.maxEpochs ?? 30;
  const patience = options.patience ?? 3;
  const minImprovement = options.minImprovement ?? 1e-3;
  const rng = new Rng(options.seed ?? 0);
  const model = LowRankPredictor.init(d, options.rank, n, rng);
  const r = model.rank;
  // Without held-out rows, early stopping watches the training loss instead.
  const validation = heldOut.rows > 0 ? heldOut : train;

  const backend = options.backend ?? getBackend();
  const learningRate = options.learningRate ?? 1e-2;
  const schedule = options.schedule ?? "cosine";
  if (schedule !== "cosine" && schedule !== "constant") throw new RangeError(`trainPredictor: schedule must be "cosine" or "constant", got ${JSON.stringify(schedule)}`);
  const ws = new PredictorWorkspace(d, r, n, batchSize);
  const { grads } = ws;
  const adam = new Adam([model.w1, model.b1, model.w2, model.b2], { learningRate });
  const xb = new Float32Array(batchSize * d);
  const yb = new Uint8Array(batchSize * n);
  const wb = train.weights ? new Float32Array(batchSize * n) : undefined;
  const order = Int32Array.from({ length: train.rows }, (_, i) => i);
  const stepsPerEpoch = Math.ceil(train.rows / batchSize);
  let step = 0;

  const initialHeldOutLoss = bceLoss(model, validation, backend);
  let best = model.clone();
  let bestLoss = initialHeldOutLoss;
  let bestEpoch = 0;
  let sinceBest = 0;
  const history: EpochRecord[] = [];

  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    shuffle(order, rng);
    let lossSum = 0;
    for (let start = 0; start < train.rows; start += batchSize) {
      const rows = Math.min(batchSize, train.rows - start);
      for (let t = 0; t < rows; t++) {
        const src = order[start + t]!;
        xb.set(train.x.subarray(src * d, (src + 1) * d), t * d);
        yb.set(train.labels.subarray(src * n, (src + 1) * n), t * n);
        wb?.set(train.weights!.subarray(src * n, (src + 1) * n), t * n);
      }
      lossSum += gradientStep(backend, model, ws, xb, yb, wb, rows);
      const progress = step++ / (maxEpochs * stepsPerEpoch);
      adam.step([grads.w1, grads.b1, grads.w2, grads.b2], schedule === "cosine" ? learningRate * 0.5 * (1 + Math.cos(Math.PI * progress)) : learningRate);
    }
    const heldOutLoss = bceLoss(model, validation, backend);
    history.push({ trainLoss: lossSum / (train.rows * n), heldOutLoss });
    if (heldOutLoss < bestLoss * (1 - minImprovement)) {
      best = model.clone();
      bestLoss = heldOutLoss;
      bestEpoch = epoch;
      sinceBest = 0;
    } else if (++sinceBest >= patience) {
      return { predictor: best, initialHeldOutLoss, history, bestEpoch, stoppedEarly: true };
    }
  }
  return { predictor: best, initialHeldOutLoss, history, bestEpoch, stoppedEarly: false };
}

function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
}
