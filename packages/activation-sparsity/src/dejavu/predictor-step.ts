/**
 * Forward and backward passes of a LowRankPredictor over a mini-batch, on a kernel backend's
 * matmul (the native GEMM is one to two orders of magnitude faster than plain loops, which is
 * what makes tens of thousands of calibration tokens and ranks above 64 trainable in seconds).
 *
 * The backend's matmul computes out[m, n] = x[m, k] · w[n, k]^T (+ bias), so every product below
 * is arranged as "rows times transposed weights"; the few transposes cost O(size), not O(m n k).
 *
 * Loss: binary cross-entropy with logits, optionally weighted per label (cost-sensitive labels:
 * see labels.ts, marginWeights), averaged over rows and outputs.
 */
import type { KernelBackend } from "@sieve/core";
import type { LowRankPredictor } from "./predictor.js";

export interface PredictorGradients {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/** softplus(z) - y z, computed without overflow. */
export function bceWithLogit(z: number, y: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
}

/** out[cols, rows] = in[rows, cols]^T */
export function transposeInto(out: Float32Array, src: Float32Array, rows: number, cols: number): Float32Array {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = src[o + j]!;
  }
  return out;
}

/** Scratch for one predictor shape and a largest batch; reused across steps. */
export class PredictorWorkspace {
  readonly w1t: Float32Array;
  readonly w2t: Float32Array;
  readonly pre: Float32Array;
  readonly hidden: Float32Array;
  readonly logits: Float32Array;
  readonly dHidden: Float32Array;
  readonly xT: Float32Array;
  readonly hT: Float32Array;
  readonly dzT: Float32Array;
  readonly daT: Float32Array;
  readonly grads: PredictorGradients;

  constructor(
    readonly d: number,
    readonly r: number,
    readonly n: number,
    readonly maxRows: number,
  ) {
    this.w1t = new Float32Array(r * d);
    this.w2t = new Float32Array(n * r);
    this.pre = new Float32Array(maxRows * r);
    this.hidden = new Float32Array(maxRows * r);
    this.logits = new Float32Array(maxRows * n);
    this.dHidden = new Float32Array(maxRows * r);
    this.xT = new Float32Array(d * maxRows);
    this.hT = new Float32Array(r * maxRows);
    this.dzT = new Float32Array(n * maxRows);
    this.daT = new Float32Array(r * maxRows);
    this.grads = { w1: new Float32Array(d * r), b1: new Float32Array(r), w2: new Float32Array(r * n), b2: new Float32Array(n) };
  }
}

/**
 * logits[rows, N] for x[rows, d] with the predictor's current weights (it may have changed since
 * the last call: the transposes are refreshed every time). Leaves pre-activations in ws.pre and
 * hidden activations in ws.hidden.
 */
export function forwardBatch(backend: KernelBackend, p: LowRankPredictor, ws: PredictorWorkspace, x: Float32Array, rows: number): Float32Array {
  const { d, r, n } = ws;
  transposeInto(ws.w1t, p.w1, d, r);
  transposeInto(ws.w2t, p.w2, r, n);
  const pre = ws.pre.subarray(0, rows * r);
  const h = ws.hidden.subarray(0, rows * r);
  const z = ws.logits.subarray(0, rows * n);
  backend.matmul(pre, x.subarray(0, rows * d), ws.w1t, "f32", rows, r, d, p.b1);
  for (let i = 0; i < pre.length; i++) h[i] = pre[i]! > 0 ? pre[i]! : 0;
  backend.matmul(z, h, ws.w2t, "f32", rows, n, r, p.b2);
  return z;
}

/**
 * One mini-batch: fills ws.grads with the gradient of the batch's mean (weighted) BCE and returns
 * the batch's summed loss. `weights` (same shape as the labels) scales each label's term.
 */
export function gradientStep(
  backend: KernelBackend,
  p: LowRankPredictor,
  ws: PredictorWorkspace,
  x: Float32Array,
  y: Uint8Array,
  weights: Float32Array | undefined,
  rows: number,
): number {
  const { d, r, n, grads } = ws;
  const z = forwardBatch(backend, p, ws, x, rows);
  const scale = 1 / (rows * n);
  let loss = 0;
  // dL/dz = w (sigmoid(z) - y) / (rows N), in place of z; bias gradient on the way.
  grads.b2.fill(0);
  for (let t = 0; t < rows; t++) {
    const o = t * n;
    for (let c = 0; c < n; c++) {
      const zc = z[o + c]!;
      const yc = y[o + c]!;
      const w = weights ? weights[o + c]! : 1;
      // One exp serves both the loss (softplus) and the sigmoid: the loop is exp-bound.
      const e = Math.exp(-Math.abs(zc));
      loss += w * (Math.max(zc, 0) + Math.log1p(e) - yc * zc);
      const g = (w * ((zc >= 0 ? 1 : e) / (1 + e) - yc)) * scale;
      z[o + c] = g;
      grads.b2[c]! += g;
    }
  }
  // dHidden[rows, r] = dz[rows, N] · W2[r, N]^T, gated by the ReLU.
  const da = ws.dHidden.subarray(0, rows * r);
  backend.matmul(da, z, p.w2, "f32", rows, r, n, null);
  const pre = ws.pre;
  grads.b1.fill(0);
  for (let t = 0; t < rows; t++) {
    const o = t * r;
    for (let j = 0; j < r; j++) {
      if (!(pre[o + j]! > 0)) da[o + j] = 0;
      else grads.b1[j]! += da[o + j]!;
    }
  }
  // gW2[r, N] = h^T · dz and gW1[d, r] = x^T · da, as (transposed rows) · (transposed rows)^T.
  const hT = transposeInto(ws.hT.subarray(0, r * rows), ws.hidden.subarray(0, rows * r), rows, r);
  const dzT = transposeInto(ws.dzT.subarray(0, n * rows), z, rows, n);
  backend.matmul(grads.w2, hT, dzT, "f32", r, n, rows, null);
  const xT = transposeInto(ws.xT.subarray(0, d * rows), x.subarray(0, rows * d), rows, d);
  const daT = transposeInto(ws.daT.subarray(0, r * rows), da, rows, r);
  backend.matmul(grads.w1, xT, daT, "f32", d, r, rows, null);
  return loss;
}
