/**
 * The DejaVu predictor: a small low-rank two-layer MLP that scores, from a block's input, how
 * likely each MLP neuron (or attention head) of a later block is to matter for this token:
 *
 *   scores[N] = ReLU(x[d] · W1[d, r] + b1[r]) · W2[r, N] + b2[N]
 *
 * Scores are logits (trained with binary cross-entropy); a caller keeps the top-scoring ones.
 * Weights are row-major f32 and held by reference, so a loaded file's tensors are used in place.
 */
import type { KernelBackend, Rng } from "@sieve/core";

export class LowRankPredictor {
  /** [rank, in] and [out, rank] copies in the [out, in] layout backend kernels take; built on first use. */
  private transposed: { w1: Float32Array; w2: Float32Array } | undefined;

  constructor(
    readonly inFeatures: number,
    readonly rank: number,
    readonly outFeatures: number,
    /** [inFeatures, rank] */
    readonly w1: Float32Array,
    /** [rank] */
    readonly b1: Float32Array,
    /** [rank, outFeatures] */
    readonly w2: Float32Array,
    /** [outFeatures] */
    readonly b2: Float32Array,
  ) {
    const expect = (name: string, a: Float32Array, n: number): void => {
      if (a.length !== n) throw new RangeError(`LowRankPredictor: ${name} has ${a.length} elements, expected ${n} (d=${inFeatures}, r=${rank}, N=${outFeatures})`);
    };
    for (const [name, v] of Object.entries({ inFeatures, rank, outFeatures })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`LowRankPredictor: ${name} must be a positive integer, got ${v}`);
    }
    expect("w1", w1, inFeatures * rank);
    expect("b1", b1, rank);
    expect("w2", w2, rank * outFeatures);
    expect("b2", b2, outFeatures);
  }

  /** He-initialised weights (ReLU hidden layer), zero biases. */
  static init(inFeatures: number, rank: number, outFeatures: number, rng: Rng): LowRankPredictor {
    const w1 = rng.fillNormal(new Float32Array(inFeatures * rank), 0, Math.sqrt(2 / inFeatures));
    const w2 = rng.fillNormal(new Float32Array(rank * outFeatures), 0, Math.sqrt(1 / rank));
    return new LowRankPredictor(inFeatures, rank, outFeatures, w1, new Float32Array(rank), w2, new Float32Array(outFeatures));
  }

  /** A deep copy (the trainer keeps the best weights seen while it goes on updating). */
  clone(): LowRankPredictor {
    return new LowRankPredictor(this.inFeatures, this.rank, this.outFeatures, this.w1.slice(), this.b1.slice(), this.w2.slice(), this.b2.slice());
  }

  /** Parameters per prediction: the multiply-adds one row costs. */
  get macsPerRow(): number {
    return this.rank * (this.inFeatures + this.outFeatures);
  }

  /**
   * scores[rows, N] for x[rows, d] on a kernel backend (the serving path: a native GEMV is far
   * faster than the loop below). `hidden` is scratch of at least rows * rank floats. The weights
   * must not change after the first call (it keeps transposed copies); training uses scores().
   */
  scoresOn(backend: KernelBackend, out: Float32Array, x: Float32Array, rows: number, hidden: Float32Array): void {
    const { inFeatures: d, rank: r, outFeatures: n } = this;
    this.transposed ??= { w1: transpose(this.w1, d, r), w2: transpose(this.w2, r, n) };
    const h = hidden.subarray(0, rows * r);
    if (rows === 1) backend.gemv(h, x, this.transposed.w1, "f32", r, d, this.b1);
    else backend.matmul(h, x, this.transposed.w1, "f32", rows, r, d, this.b1);
    backend.relu(h, h);
    if (rows === 1) backend.gemv(out, h, this.transposed.w2, "f32", n, r, this.b2);
    else backend.matmul(out, h, this.transposed.w2, "f32", rows, n, r, this.b2);
  }

  /**
   * scores[rows, N] for x[rows, d] in plain loops (what the trainer uses). `hidden` is scratch of
   * at least `rank` floats.
   */
  scores(out: Float32Array, x: Float32Array, rows: number, hidden: Float32Array = new Float32Array(this.rank)): void {
    const { inFeatures: d, rank: r, outFeatures: n, w1, b1, w2, b2 } = this;
    for (let t = 0; t < rows; t++) {
      hidden.set(b1);
      const xo = t * d;
      // Axpy order (rows of W1 are contiguous): one pass over W1 per token.
      for (let i = 0; i < d; i++) {
        const xi = x[xo + i]!;
        if (xi === 0) continue;
        const wo = i * r;
        for (let j = 0; j < r; j++) hidden[j]! += xi * w1[wo + j]!;
      }
      const oo = t * n;
      out.set(b2, oo);
      for (let j = 0; j < r; j++) {
        const hj = hidden[j]!;
        // ReLU: inactive hidden units add nothing, so their row of W2 is skipped.
        if (!(hj > 0)) continue;
        const wo = j * n;
        for (let c = 0; c < n; c++) out[oo + c]! += hj * w2[wo + c]!;
      }
    }
  }
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j]!;
  return t;
}
