/**
 * Live counters of what a thresholded layer did: how many input values it zeroed (the sparsity
 * the math sees, per token row) and how many weight rows its kernel actually skipped (for
 * several rows only inputs zero in every row can be skipped). Cheap enough to run always.
 */
export class SparsityCounter {
  /** Token rows seen. */
  rows = 0;
  /** Forward calls. */
  calls = 0;
  /** Input values seen (rows x inFeatures) and kept (|x| >= threshold). */
  inputs = 0;
  kept = 0;
  /** Weight rows (input channels) the kernel could have read, and those it skipped. */
  channels = 0;
  skippedChannels = 0;
  /** Calls that ran the sparse kernel, and calls that fell back to the dense input-major one. */
  sparseCalls = 0;
  denseCalls = 0;

  constructor(readonly inFeatures: number) {}

  record(rows: number, kept: number, unionActive: number, ranSparse: boolean): void {
    this.rows += rows;
    this.calls += 1;
    this.inputs += rows * this.inFeatures;
    this.kept += kept;
    this.channels += this.inFeatures;
    if (ranSparse) {
      this.skippedChannels += this.inFeatures - unionActive;
      this.sparseCalls += 1;
    } else {
      this.denseCalls += 1;
    }
  }

  /** Fraction of input values zeroed since the last reset (NaN before any input). */
  get sparsity(): number {
    return this.inputs > 0 ? 1 - this.kept / this.inputs : Number.NaN;
  }

  /** Fraction of weight rows the kernels skipped (what saves memory traffic). */
  get skippedFraction(): number {
    return this.channels > 0 ? this.skippedChannels / this.channels : Number.NaN;
  }

  reset(): void {
    this.rows = this.calls = this.inputs = this.kept = 0;
    this.channels = this.skippedChannels = this.sparseCalls = this.denseCalls = 0;
  }
}
