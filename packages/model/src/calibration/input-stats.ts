/**
 * Streaming statistics of the inputs X [rows, cols] a linear layer sees during calibration: the
 * per-column sums of squares (Wanda's ||X_j||_2 is their square root) and, when asked for, the
 * Gram matrix X^T X (SparseGPT's Hessian up to a factor, least-squares reconstruction). Both are
 * accumulated in float64 so that tens of thousands of token rows add up without drift.
 */

/** What pruning and reconstruction read about a linear layer's calibration inputs. */
export interface LinearInputStats {
  /** Input features of the layer. */
  readonly cols: number;
  /** Token rows accumulated so far. */
  readonly rows: number;
  /** Σ_r x[r, j]² for each input column j. */
  readonly sumSquares: Float64Array;
  /** X^T X as a full symmetric [cols, cols] row-major matrix; undefined unless collected. */
  readonly gram: Float64Array | undefined;
}

export interface InputStatsOptions {
  /** Also accumulate X^T X (cost rows·cols²/2 multiply-adds, cols² float64s). Default false. */
  gram?: boolean;
}

export class InputStatsAccumulator implements LinearInputStats {
  readonly sumSquares: Float64Array;
  private readonly upper: Float64Array | undefined;
  private mirrored = true;
  private count = 0;

  constructor(
    readonly cols: number,
    options: InputStatsOptions = {},
  ) {
    if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`InputStatsAccumulator: cols must be a positive integer, got ${cols}`);
    this.sumSquares = new Float64Array(cols);
    this.upper = options.gram ? new Float64Array(cols * cols) : undefined;
  }

  get rows(): number {
    return this.count;
  }

  /** The Gram matrix, its lower triangle filled from the upper one on first read after adds. */
  get gram(): Float64Array | undefined {
    const g = this.upper;
    if (g && !this.mirrored) {
      const n = this.cols;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g[j * n + i] = g[i * n + j]!;
      this.mirrored = true;
    }
    return g;
  }

  /** Adds `rows` input rows x [rows, cols] (row-major). */
  add(x: Float32Array, rows: number): void {
    const n = this.cols;
    if (x.length < rows * n) throw new RangeError(`InputStatsAccumulator.add: x holds ${x.length} floats, expected ${rows}x${n}`);
    const sq = this.sumSquares;
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      for (let j = 0; j < n; j++) sq[j] += x[base + j]! * x[base + j]!;
    }
    if (this.upper && rows > 0) {
      this.addGram(x, rows);
      this.mirrored = false;
    }
    this.count += rows;
  }

  /**
   * Upper triangle of XᵀX, four rows at a time: each Gram entry is read and written once per
   * four tokens instead of once per token (the Gram matrix, not X, is the memory traffic here).
   */
  private addGram(x: Float32Array, rows: number): void {
    const n = this.cols;
    const g = this.upper!;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    const c = new Float64Array(n);
    const d = new Float64Array(n);
    for (let r = 0; r < rows; r += 4) {
      const take = Math.min(4, rows - r);
      for (let j = 0; j < n; j++) {
        a[j] = x[r * n + j]!;
        b[j] = take > 1 ? x[(r + 1) * n + j]! : 0;
        c[j] = take > 2 ? x[(r + 2) * n + j]! : 0;
        d[j] = take > 3 ? x[(r + 3) * n + j]! : 0;
      }
      for (let i = 0; i < n; i++) {
        const ai = a[i]!;
        const bi = b[i]!;
        const ci = c[i]!;
        const di = d[i]!;
        if (ai === 0 && bi === 0 && ci === 0 && di === 0) continue;
        const gi = i * n;
        for (let j = i; j < n; j++) g[gi + j] += ai * a[j]! + bi * b[j]! + ci * c[j]! + di * d[j]!;
      }
    }
  }

  /** ||X_j||_2 for each column (the square roots of sumSquares). */
  columnNorms(): Float64Array {
    const out = new Float64Array(this.cols);
    for (let j = 0; j < this.cols; j++) out[j] = Math.sqrt(this.sumSquares[j]!);
    return out;
  }
}
