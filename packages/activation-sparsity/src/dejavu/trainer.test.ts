import { Rng, getBackend } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { Adam } from "./adam.js";
import { LowRankPredictor } from "./predictor.js";
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
