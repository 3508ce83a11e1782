/**
 * TealLinear: a linear layer that zeroes the small entries of its input (|x| < threshold, TEAL)
 * and reads only the weights of the inputs that survive. The weight is held once, input-major
 * ([in, out], built from the dense [out, in] weight; f32, f16 or bf16), so a skipped input skips
 * one contiguous row of memory.
 *
 * Rows (tokens) are thresholded independently: the output always equals the dense product with
 * the thresholded input. How it is computed depends on the number of rows:
 *   1                   sparseGemvIm over the kept inputs (decode)
 *   2 .. denseAbove     sparseMatmulIm over the union of the rows' kept inputs (batched decode)
 *   more                the dense input-major GEMM on the thresholded rows (prefill): the union
 *                       of many rows' kept inputs is nearly all of them, so skipping stops paying
 * The weight is not kept in its [out, in] form too: the dense fallback runs on the same
 * input-major copy, so the layer costs exactly the dense weight's bytes (plus idx scratch).
 */
import type { KernelBackend, LinearDescription, LinearLayer, WeightData, WeightDType } from "@sieve/core";
import { activationKernelsFor, type ActivationKernels, type SparseSplit } from "../kernels/activation-kernels.js";
import { transposeWeight } from "../kernels/input-major.js";
import { DEFAULT_TEAL_DENSE_ABOVE } from "./defaults.js";
import { SparsityCounter } from "./sparsity-counter.js";

export interface TealLinearOptions {
  /** Most rows per call that still run the sparse kernels (default DEFAULT_TEAL_DENSE_ABOVE, measured). */
  denseAbove?: number;
  /** How a batch-1 product splits work between threads (default "auto"). */
  split?: SparseSplit;
  /** The kind describe() reports (default "teal"; CATS's down projection reports "cats-down"). */
  kind?: string;
}

/** What describe() reports: the linear contract's fields plus the activation-sparsity state. */
export interface TealLinearDescription extends LinearDescription {
  threshold: number;
  /** Fraction of input values zeroed so far (NaN before the first call). */
  activationSparsity: number;
  /** Fraction of weight rows the kernels skipped so far. */
  skippedFraction: number;
  denseAbove: number;
  layout: "input-major";
}

/** A dense layer's parts TealLinear.fromDense needs (DenseLinear has them). */
export interface DenseWeightSource {
  readonly weight: WeightData;
  readonly dtype: WeightDType;
  readonly outFeatures: number;
  readonly inFeatures: number;
  readonly bias: Float32Array | null;
}

export class TealLinear implements LinearLayer {
  readonly counter: SparsityCounter;
  denseAbove: number;
  split: SparseSplit;
  readonly kind: string;
  private readonly idx: Int32Array;
  private readonly kept = new Float64Array(1);
  private cached: { backend: KernelBackend; kernels: ActivationKernels } | undefined;

  /**
   * @param weightT the input-major weight [inFeatures, outFeatures]
   * @param threshold inputs with |x| < threshold are zeroed (0 keeps everything)
   */
  constructor(
    readonly weightT: WeightData,
    readonly dtype: WeightDType,
    readonly outFeatures: number,
    readonly inFeatures: number,
    readonly bias: Float32Array | null,
    public threshold: number,
    private readonly backend: () => KernelBackend,
    options: TealLinearOptions = {},
  ) {
    if (weightT.length !== outFeatures * inFeatures) {
      throw new RangeError(`TealLinear: weight has ${weightT.length} elements, expected ${inFeatures}x${outFeatures}`);
    }
    if (bias && bias.length !== outFeatures) throw new RangeError(`TealLinear: bias has ${bias.length} elements, expected ${outFeatures}`);
    if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`TealLinear: threshold must be finite and >= 0, got ${threshold}`);
    this.denseAbove = options.denseAbove ?? DEFAULT_TEAL_DENSE_ABOVE;
    if (!Number.isInteger(this.denseAbove) || this.denseAbove < 1) throw new RangeError(`TealLinear: denseAbove must be a positive integer, got ${this.denseAbove}`);
    this.split = options.split ?? "auto";
    this.kind = options.kind ?? "teal";
    this.idx = new Int32Array(inFeatures);
    this.counter = new SparsityCounter(inFeatures);
  }

  /**
   * Builds a TealLinear from a dense layer's [out, in] weight (transposed once; `storeAs` "f16"
   * halves an f32 weight). The dense layer is not used afterwards.
   */
  static fromDense(dense: DenseWeightSource, threshold: number, backend: () => KernelBackend, options: TealLinearOptions & { storeAs?: WeightDType } = {}): TealLinear {
    const to = options.storeAs ?? dense.dtype;
    const weightT = transposeWeight(dense.weight, dense.dtype, dense.outFeatures, dense.inFeatures, to);
    return new TealLinear(weightT, to, dense.outFeatures, dense.inFeatures, dense.bias, threshold, backend, options);
  }

  forward(out: Float32Array, x: Float32Array, rows: number): void {
    const k = this.kernels();
    const { inFeatures: inF, outFeatures: outF, threshold: t } = this;
    if (rows === 1) {
      const count = k.thresholdSelect(this.idx, x, 1, inF, t, null);
      k.sparseGemvIm(out, x, this.idx, count, this.weightT, this.dtype, outF, inF, this.bias, this.split);
      this.counter.record(1, count, count, true);
      return;
    }
    const count = k.thresholdSelect(this.idx, x, rows, inF, t, this.kept);
    const sparse = rows <= this.denseAbove;
    k.sparseMatmulIm(out, x, rows, inF, sparse ? this.idx : null, sparse ? count : inF, t, this.weightT, this.dtype, outF, this.bias);
    this.counter.record(rows, this.kept[0]!, count, sparse);
  }

  /** Fraction of input values zeroed since the last reset. */
  get achievedSparsity(): number {
    return this.counter.sparsity;
  }

  describe(): TealLinearDescription {
    const k = this.kernels();
    return {
      kind: this.kind,
      kernel: `${k.name}:${k.variant("sparseGemvIm")}/${k.variant("sparseMatmulIm")} (sparse up to ${this.denseAbove} rows, dense input-major above)`,
      dtype: this.dtype,
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bytes: this.weightT.byteLength + (this.bias?.byteLength ?? 0),
      weightSparsity: 0,
      threshold: this.threshold,
      activationSparsity: this.counter.sparsity,
      skippedFraction: this.counter.skippedFraction,
      denseAbove: this.denseAbove,
      layout: "input-major",
    };
  }

  private kernels(): ActivationKernels {
    const backend = this.backend();
    if (this.cached?.backend !== backend) this.cached = { backend, kernels: activationKernelsFor(backend) };
    return this.cached.kernels;
  }
}
