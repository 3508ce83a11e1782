/**
 * TEAL on top of a layer that is not dense (a pruned 2:4 or CSR linear from a pruned checkpoint):
 * the input is thresholded into a scratch copy, then the inner layer runs on it. The output is
 * exactly the inner layer's output on the thresholded input, so the two techniques compose; but
 * no weight columns are skipped unless the inner layer's own kernel skips zero inputs, and
 * describe() says so rather than claiming a speedup.
 */
import type { LinearDescription, LinearLayer } from "@sieve/core";
import { SparsityCounter } from "./sparsity-counter.js";

export interface ThresholdedLinearDescription extends LinearDescription {
  threshold: number;
  activationSparsity: number;
  inner: LinearDescription;
}

export class ThresholdedLinear implements LinearLayer {
  readonly counter: SparsityCounter;
  private scratch = new Float32Array(0);

  constructor(
    readonly inner: LinearLayer,
    public threshold: number,
  ) {
    if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`ThresholdedLinear: threshold must be finite and >= 0, got ${threshold}`);
    this.counter = new SparsityCounter(inner.inFeatures);
  }

  get inFeatures(): number {
    return this.inner.inFeatures;
  }

  get outFeatures(): number {
    return this.inner.outFeatures;
  }

  forward(out: Float32Array, x: Float32Array, rows: number): void {
    const n = rows * this.inFeatures;
    if (this.scratch.length < n) this.scratch = new Float32Array(n);
    const xt = this.scratch.subarray(0, n);
    const t = this.threshold;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const keep = !(t > 0) || Math.abs(v) >= t;
      xt[i] = keep ? v : 0;
      if (keep) kept++;
    }
    this.inner.forward(out, xt, rows);
    this.counter.record(rows, kept, this.inFeatures, false);
  }

  get achievedSparsity(): number {
    return this.counter.sparsity;
  }

  describe(): ThresholdedLinearDescription {
    const inner = this.inner.describe();
    return {
      ...inner,
      kind: `teal+${inner.kind}`,
      kernel: `${inner.kernel} (input thresholded first; no weight rows skipped by this wrapper)`,
      threshold: this.threshold,
      activationSparsity: this.counter.sparsity,
      inner,
    };
  }
}
