import { Rng, getBackend } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { Adam } from "./adam.js";
import { marginWeights } from "./labels.js";
import { LowRankPredictor } from "./predictor.js";
import { PredictorWorkspace, gradientStep } from "./predictor-step.js";
import { bceLoss, trainPredictor, type LabeledRows } from "./trainer.js";

/** Labels y_j = [w_j · x > 0]: linearly separable, so a predictor can learn them well. */
function separable(rows: number, d: number, n: number, teacher: Float32Array, rng: Rng): LabeledRows {
  const x = rng.fillNormal(new Float32Array(rows * d));
  const labels = new Uint8Array(rows * n);
  for (let t = 0; t < rows; t++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += teacher[j * d + i]! * x[t * d + i]!;
      labels[t * n + j] = s > 0 ? 1 : 0;
    }
  }
  return { x, labels, rows };
}

function accuracy(p: LowRankPredictor, data: LabeledRows): number {
  const z = new Float32Array(data.labels.length);
  p.scores(z, data.x, data.rows);
  let ok = 0;
  for (let i = 0; i < z.length; i++) ok += (z[i]! > 0 ? 1 : 0) === data.labels[i] ? 1 : 0;
  return ok / z.length;
}

describe("trainPredictor", () => {
  const d = 8;
  const n = 6;
  const rng = new Rng(42);
  const teacher = rng.fillNormal(new Float32Array(n * d));
  const train = separable(768, d, n, teacher, rng);
  const heldOut = separable(256, d, n, teacher, rng);

  it("reduces the BCE loss on a separable toy problem and classifies it well", () => {
    const result = trainPredictor(train, heldOut, { rank: 16, maxEpochs: 25, batchSize: 64, learningRate: 1e-2, seed: 3 });
    const final = bceLoss(result.predictor, heldOut);
    expect(result.bestEpoch).toBeGreaterThan(0);
    expect(final).toBeLessThan(result.initialHeldOutLoss * 0.5);
    expect(result.history[result.history.length - 1]!.trainLoss).toBeLessThan(result.history[0]!.trainLoss);
    expect(accuracy(result.predictor, heldOut)).toBeGreaterThan(0.9);
  });

  it("is deterministic for a seed and keeps the best held-out epoch when it stops early", () => {
    const a = trainPredictor(train, heldOut, { rank: 8, maxEpochs: 6, seed: 5 });
    const b = trainPredictor(train, heldOut, { rank: 8, maxEpochs: 6, seed: 5 });
    expect(Array.from(a.predictor.w2)).toEqual(Array.from(b.predictor.w2));
    // Labels that are pure noise: nothing generalises, so early stopping must kick in.
    const noise = { ...heldOut, labels: heldOut.labels.map((_, i) => (i * 2654435761) % 7 < 3 ? 1 : 0) };
    const stopped = trainPredictor(train, noise, { rank: 8, maxEpochs: 30, patience: 2, seed: 5 });
    expect(stopped.stoppedEarly).toBe(true);
    const kept = bceLoss(stopped.predictor, noise);
    const best = stopped.bestEpoch > 0 ? stopped.history[stopped.bestEpoch - 1]!.heldOutLoss : stopped.initialHeldOutLoss;
    expect(kept).toBeCloseTo(best, 5);
  });
});

describe("gradientStep", () => {
  it("matches central finite differences of the weighted BCE (odd shapes, ReLU units on and off)", () => {
    const rng = new Rng(17);
    const [d, r, n, rows] = [7, 5, 11, 9];
    const p = LowRankPredictor.init(d, r, n, rng);
    p.b1.set(rng.fillNormal(new Float32Array(r), 0, 0.5));
    p.b2.set(rng.fillNormal(new Float32Array(n), 0, 0.5));
    const x = rng.fillNormal(new Float32Array(rows * d));
    const labels = Uint8Array.from({ length: rows * n }, () => (rng.next() < 0.4 ? 1 : 0));
    const weights = Float32Array.from({ length: rows * n }, () => 0.2 + 2 * rng.next());
    const data = { x, labels, weights, rows };
    const ws = new PredictorWorkspace(d, r, n, rows);
    const backend = getBackend();
    const summed = gradientStep(backend, p, ws, x, labels, weights, rows);
    expect(summed / (rows * n)).toBeCloseTo(bceLoss(p, data), 5);
    const analytic = { w1: ws.grads.w1.slice(), b1: ws.grads.b1.slice(), w2: ws.grads.w2.slice(), b2: ws.grads.b2.slice() };
    const h = 1e-2;
    for (const [name, param] of [["w1", p.w1], ["b1", p.b1], ["w2", p.w2], ["b2", p.b2]] as const) {
      for (let i = 0; i < param.length; i += 3) {
        const keep = param[i]!;
        param[i] = keep + h;
        const up = bceLoss(p, data);
        param[i] = keep - h;
        const down = bceLoss(p, data);
        param[i] = keep;
        // f32 forward passes and a finite step (curvature, ReLU kinks): a loose relative tolerance; a
        // wrong transpose or a missing ReLU gate is off by far more.
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(analytic[name][i]! - numeric), `${name}[${i}]`).toBeLessThan(1e-3 + 0.02 * Math.abs(numeric));
      }
    }
  });
});

describe("marginWeights", () => {
  it("weights each label by its distance from the keep/drop boundary, mean 1 per row", () => {
    const scores = Float32Array.from([5, 1, 3, 2, 0.5, 0.5, 0.5, 0.5]);
    const w = marginWeights(scores, 2, 4, 0.5);
    // Row 0: sorted 1 2 3 5, boundary 2.5 between the 2nd and 3rd largest; distances 2.5 1.5 0.5 0.5, sum 5.
    expect(Array.from(w.subarray(0, 4)).map((v) => +v.toFixed(5))).toEqual([2, 1.2, 0.4, 0.4]);
    // Row 1 is all ties: every choice is as good, weights fall back to 1.
    expect(Array.from(w.subarray(4))).toEqual([1, 1, 1, 1]);
  });
});

describe("LowRankPredictor", () => {
  it("scores the same through backend kernels as through its own loops", () => {
    const rng = new Rng(8);
    const p = LowRankPredictor.init(12, 5, 9, rng);
    p.b1.set(rng.fillNormal(new Float32Array(5)));
    const rows = 3;
    const x = rng.fillNormal(new Float32Array(rows * 12));
    const loops = new Float32Array(rows * 9);
    const kernels = new Float32Array(rows * 9);
    p.scores(loops, x, rows);
    p.scoresOn(getBackend(), kernels, x, rows, new Float32Array(rows * 5));
    for (let i = 0; i < loops.length; i++) expect(kernels[i]).toBeCloseTo(loops[i]!, 4);
    const one = new Float32Array(9);
    p.scoresOn(getBackend(), one, x, 1, new Float32Array(5));
    for (let i = 0; i < 9; i++) expect(one[i]).toBeCloseTo(loops[i]!, 4);
  });
});

describe("Adam", () => {
  it("minimises a quadratic", () => {
    const p = Float32Array.from([3, -2]);
    const adam = new Adam([p], { learningRate: 0.1 });
    for (let i = 0; i < 300; i++) adam.step([Float32Array.from([2 * (p[0]! - 1), 2 * (p[1]! + 0.5)])]);
    expect(p[0]).toBeCloseTo(1, 2);
    expect(p[1]).toBeCloseTo(-0.5, 2);
  });
});
