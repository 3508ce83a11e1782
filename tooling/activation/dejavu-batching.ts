/**
 * Where DejaVu's batch union stops paying: how fast the union of the rows' selections grows with
 * the batch (from real predictions on stories260K), and what the neuron-sparse kernel costs at that
 * union size against the dense MLP, on a llama-110m-shaped layer and on stories260K's own shape.
 */
import { DenseLinear, Rng, getBackend, referenceBackend, type KernelBackend } from "@sieve/core";
import { Scratch, SwiGluMlp } from "@sieve/model";
import {
  LowRankPredictor,
  activationKernelsFor,
  keepCount,
  nativeMlpKernel,
  predictorSourceBlock,
  sparseSwiGlu,
  topIndices,
  transposeF32,
  type DejaVuPredictors,
} from "../../packages/activation-sparsity/src/index.js";

export interface UnionGrowth {
  batch: number;
  /** Mean over blocks and sampled batches of |union of the rows' top-K| / hiddenDim. */
  unionFraction: number;
}

/**
 * Samples `groups` batches of B distinct tokens from the evaluation activations and measures the
 * union of their predicted top-K neuron sets, per block.
 */
export function measureUnionGrowth(predictors: DejaVuPredictors, blockInputs: Float32Array[], rows: number, budget: number, batches: number[], groups = 64, seed = 7): UnionGrowth[] {
  const { dim, hiddenDim: n, nLayers } = predictors.shape;
  const k = keepCount(budget, n);
  // Score every token once per block, then form batches from the scores.
  const tops: Int32Array[] = [];
  for (let b = 0; b < nLayers; b++) {
    const scores = new Float32Array(rows * n);
    predictors.blocks[b]!.mlp.scores(scores, blockInputs[predictorSourceBlock(b)]!.subarray(0, rows * dim), rows);
    const top = new Int32Array(rows * k);
    for (let t = 0; t < rows; t++) topIndices(scores.subarray(t * n, (t + 1) * n), k, top.subarray(t * k, (t + 1) * k));
    tops.push(top);
  }
  const rng = new Rng(seed);
  const mask = new Uint8Array(n);
  return batches.map((batch) => {
    let sum = 0;
    for (let g = 0; g < groups; g++) {
      const members = new Set<number>();
      while (members.size < Math.min(batch, rows)) members.add(rng.int(rows));
      for (let b = 0; b < nLayers; b++) {
        mask.fill(0);
        for (const t of members) for (let i = 0; i < k; i++) mask[tops[b]![t * k + i]!] = 1;
        sum += mask.reduce((a, v) => a + v, 0) / n;
      }
    }
    return { batch, unionFraction: sum / (groups * nLayers) };
  });
}

export interface KernelTiming {
  batch: number;
  unionFraction: number;
  /** Dense MLP (gate, up, swiglu, down) on the active (native) backend, ms. */
  denseNativeMs: number;
  /** The native neuron-sparse MLP (activation-sparse kernels) over the union, ms (NaN without the addon's kernels). */
  sparseNativeMs: number;
  /** The MLP predictor for the batch's rows on the backend (rank as trainDejaVu's default), ms. */
  predictorMs: number;
  /** Dense MLP on the TypeScript reference backend, ms. */
  denseReferenceMs: number;
  /** The TypeScript neuron-sparse kernel over the union, ms. */
  sparseMs: number;
}

function median(times: number[]): number {
  const s = [...times].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median ms of each runner, measured in interleaved rounds so that load from other processes
 * (this machine is shared) hits every runner alike. `repeat[i]` calls per round for runner i.
 */
function timeInterleaved(runners: Array<() => void>, repeat: number[], rounds: number): number[] {
  runners.forEach((run) => run());
  const samples = runners.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    runners.forEach((run, i) => {
      const t = performance.now();
      for (let k = 0; k < repeat[i]!; k++) run();
      samples[i]!.push((performance.now() - t) / repeat[i]!);
    });
  }
  return samples.map(median);
}

/** Times dense and union-sparse MLPs of one shape at each batch's measured union size. */
export function measureKernelTimes(dim: number, hidden: number, growth: UnionGrowth[], rounds = 7): KernelTiming[] {
  const rng = new Rng(3);
  const gate = rng.fillNormal(new Float32Array(hidden * dim), 0, 0.05);
  const up = rng.fillNormal(new Float32Array(hidden * dim), 0, 0.05);
  const down = rng.fillNormal(new Float32Array(dim * hidden), 0, 0.05);
  const weights = { dim, hidden, gate, up, downT: transposeF32(down, dim, hidden) };
  const linear = (w: Float32Array, rows: number, cols: number): DenseLinear => new DenseLinear(w, "f32", rows, cols, null, getBackend);
  const mlp = new SwiGluMlp("bench.mlp", linear(gate, hidden, dim), linear(up, hidden, dim), linear(down, dim, hidden));
  const kernels = activationKernelsFor(getBackend());
  const native = kernels.name === "native" ? nativeMlpKernel(mlp, kernels) : undefined;
  const predictor = LowRankPredictor.init(dim, Math.min(1024, Math.max(64, Math.round(dim / 4))), hidden, rng);
  const scratch = new Scratch();
  const dense = (backend: KernelBackend, out: Float32Array, x: Float32Array, rows: number, g: Float32Array, u: Float32Array): void => {
    backend.matmul(g, x, gate, "f32", rows, hidden, dim);
    backend.matmul(u, x, up, "f32", rows, hidden, dim);
    backend.swiglu(g, g, u);
    backend.matmul(out, g, down, "f32", rows, dim, hidden);
  };
  return growth.map(({ batch, unionFraction }) => {
    const x = rng.fillNormal(new Float32Array(batch * dim));
    const out = new Float32Array(batch * dim);
    const g = new Float32Array(batch * hidden);
    const u = new Float32Array(batch * hidden);
    // A union of this size, spread over the layer like a real selection.
    const count = Math.max(1, Math.round(unionFraction * hidden));
    const picked = Int32Array.from(topIndices(rng.fillUniform(new Float32Array(hidden)), count)).sort();
    const scores = new Float32Array(batch * hidden);
    const hiddenScratch = new Float32Array(batch * predictor.rank);
    const [denseNativeMs, sparseNativeMs, predictorMs, denseReferenceMs, sparseMs] = timeInterleaved(
      [
        () => dense(getBackend(), out, x, batch, g, u),
        () => native?.run(out, x, batch, picked, count, scratch, getBackend()),
        () => predictor.scoresOn(getBackend(), scores, x, batch, hiddenScratch),
        () => dense(referenceBackend, out, x, batch, g, u),
        () => sparseSwiGlu(out, x, batch, weights, picked, count),
      ],
      // Small shapes take microseconds: repeat them so a round is long enough to time.
      hidden * dim < 100_000 ? [200, 200, 200, 20, 20] : [10, 10, 10, 1, 1],
      rounds,
    );
    return { batch, unionFraction, denseNativeMs, sparseNativeMs: native ? sparseNativeMs : Number.NaN, predictorMs, denseReferenceMs, sparseMs };
  });
}

/** The largest batch up to which `sparse` beats `dense` at every batch (0: not even at 1). */
export function crossoverBatch(rows: KernelTiming[], sparse: (r: KernelTiming) => number, dense: (r: KernelTiming) => number): number {
  let best = 0;
  for (const r of [...rows].sort((a, b) => a.batch - b.batch)) {
    if (!(sparse(r) < dense(r))) break;
    best = r.batch;
  }
  return best;
}
