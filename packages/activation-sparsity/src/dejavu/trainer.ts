/**
 * Trains one LowRankPredictor: binary cross-entropy (with logits) against 0/1 labels, Adam,
 * shuffled mini-batches from a fixed seed, and early stopping on held-out rows (the weights of
 * the best held-out epoch are returned). Plain loops over f32 arrays: predictors are small
 * (d x r + r x N), so a few epochs over some thousand tokens take seconds.
 */
import { Rng } from "@sieve/core";
import { Adam } from "./adam.js";
import { LowRankPredictor } from "./predictor.js";

/** Rows of inputs with one 0/1 label per output. */
export interface LabeledRows {
  /** [rows, inFeatures] */
  x: Float32Array;
  /** [rows, outFeatures], 1 = important. */
  labels: Uint8Array;
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

/** Mean binary cross-entropy (nats per label) of a predictor on labeled rows. */
export function bceLoss(predictor: LowRankPredictor, data: LabeledRows): number {
  const n = predictor.outFeatures;
  const chunk = 256;
  const z = new Float32Array(chunk * n);
  const hidden = new Float32Array(predictor.rank);
  let sum = 0;
  for (let start = 0; start < data.rows; start += chunk) {
    const rows = Math.min(chunk, data.rows - start);
    predictor.scores(z, data.x.subarray(start * predictor.inFeatures), rows, hidden);
    const y = data.labels.subarray(start * n, (start + rows) * n);
    for (let i = 0; i < rows * n; i++) sum += bceWithLogit(z[i]!, y[i]!);
  }
  return data.rows > 0 ? sum / (data.rows * n) : Number.NaN;
}

/** softplus(z) - y z, computed without overflow. */
function bceWithLogit(z: number, y: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
}

function checkRows(name: string, data: LabeledRows, d: number, n: number): void {
  if (data.x.length !== data.rows * d || data.labels.length !== data.rows * n) {
    throw new RangeError(`trainPredictor: ${name} has x of ${data.x.length} and labels of ${data.labels.length} values for ${data.rows} rows (expected ${d} and ${n} per row)`);
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

  const grads = { w1: new Float32Array(d * r), b1: new Float32Array(r), w2: new Float32Array(r * n), b2: new Float32Array(n) };
  const adam = new Adam([model.w1, model.b1, model.w2, model.b2], { learningRate: options.learningRate ?? 1e-2 });
  const act = new Float32Array(batchSize * r);
  const dz = new Float32Array(batchSize * n);
  const dAct = new Float32Array(batchSize * r);
  const xb = new Float32Array(batchSize * d);
  const yb = new Uint8Array(batchSize * n);
  const order = Int32Array.from({ length: train.rows }, (_, i) => i);

  const initialHeldOutLoss = bceLoss(model, validation);
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
      }
      lossSum += batchStep(model, xb, yb, rows, act, dz, dAct, grads);
      adam.step([grads.w1, grads.b1, grads.w2, grads.b2]);
    }
    const heldOutLoss = bceLoss(model, validation);
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

/**
 * Forward and backward over one mini-batch; fills `grads` with the gradient of the batch's mean
 * loss (mean over rows and outputs) and returns the batch's summed loss.
 */
function batchStep(
  p: LowRankPredictor,
  x: Float32Array,
  y: Uint8Array,
  rows: number,
  act: Float32Array,
  dz: Float32Array,
  dAct: Float32Array,
  grads: { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array },
): number {
  const { inFeatures: d, rank: r, outFeatures: n, w1, b1, w2, b2 } = p;
  const scale = 1 / (rows * n);
  let loss = 0;
  grads.w1.fill(0);
  grads.b1.fill(0);
  grads.w2.fill(0);
  grads.b2.fill(0);
  for (let t = 0; t < rows; t++) {
    // Forward: hidden pre-activations, then logits.
    const a = act.subarray(t * r, (t + 1) * r);
    a.set(b1);
    for (let i = 0; i < d; i++) {
      const xi = x[t * d + i]!;
      if (xi === 0) continue;
      for (let j = 0; j < r; j++) a[j]! += xi * w1[i * r + j]!;
    }
    const z = dz.subarray(t * n, (t + 1) * n);
    z.set(b2);
    for (let j = 0; j < r; j++) {
      const h = a[j]!;
      if (!(h > 0)) continue;
      for (let c = 0; c < n; c++) z[c]! += h * w2[j * n + c]!;
    }
    // Loss and dL/dz = (sigmoid(z) - y) / (rows * n), in place of z.
    for (let c = 0; c < n; c++) {
      const zc = z[c]!;
      const yc = y[t * n + c]!;
      loss += bceWithLogit(zc, yc);
      z[c] = (1 / (1 + Math.exp(-zc)) - yc) * scale;
    }
    // Backward through W2 (only active hidden units carry gradient).
    const da = dAct.subarray(t * r, (t + 1) * r);
    for (let j = 0; j < r; j++) {
      const h = a[j]!;
      if (!(h > 0)) {
        da[j] = 0;
        continue;
      }
      let s = 0;
      const wo = j * n;
      for (let c = 0; c < n; c++) {
        s += z[c]! * w2[wo + c]!;
        grads.w2[wo + c]! += h * z[c]!;
      }
      da[j] = s;
      grads.b1[j]! += s;
    }
    for (let c = 0; c < n; c++) grads.b2[c]! += z[c]!;
    for (let i = 0; i < d; i++) {
      const xi = x[t * d + i]!;
      if (xi === 0) continue;
      const wo = i * r;
      for (let j = 0; j < r; j++) grads.w1[wo + j]! += xi * da[j]!;
    }
  }
  return loss;
}

function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
}
