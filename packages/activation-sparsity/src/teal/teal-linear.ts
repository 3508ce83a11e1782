/**
 * TealLinear: a linear layer that zeroes the small entries of its input (|x| < threshold, TEAL)
 * and reads only the weights of the inputs that survive. The weight is held once, input-major
 * ([in, out], built from the dense [out, in] weight; f32, f16 or bf16), so a skipped input skips
 * one contiguous row of memory.
 *
 * Rows (tokens) are thresholded independently: the output always equals the dense product with
 * the thresholded input. How it is computed depends on the number of rows:
 *   1                   thresholdGemvIm: the selection and sparseGemvIm over the kept inputs (decode)
 *   2 .. denseAbove     thresholdMatmulIm: sparseMatmulIm over the union of the rows' kept inputs (batched decode)
 *   more                the dense input-major GEMM on the thresholded rows (prefill): the union
 *                       of many rows' kept inputs is nearly all of them, so skipping stops paying
 * The weight is not kept in its [out, in] form too: the dense fallback runs on the same
 * input-major copy, so the layer costs exactly the dense weight's bytes (plus idx scratch).
 * TealLinear.fuse puts the layers that read one input (q/k/v, gate/up) into one kernel call.
 */
import type { KernelBackend, LinearDescription, LinearLayer, WeightData, WeightDType } from "@sieve/core";
import { activationKernelsFor, type ActivationKernels, type SparseSplit } from "../kernels/activation-kernels.js";
import { transposeWeight } from "../kernels/input-major.js";
import { DEFAULT_TEAL_DENSE_ABOVE } from "./defaults.js";
import { TealInputGroup } from "./fused-input.js";
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

/** A fused member's place: its group and its index there (see fused-input.ts). */
interface GroupPlace {
  group: TealInputGroup;
  member: number;
}

export class TealLinear implements LinearLayer {
  readonly counter: SparsityCounter;
  readonly kind: string;
  private ownDenseAbove: number;
  private ownSplit: SparseSplit;
  private ownThreshold: number;
  private place: GroupPlace | undefined;
  private readonly idx: Int32Array;
  private readonly kept = new Float64Array(1);
  private cached: { backend: KernelBackend; kernels: ActivationKernels } | undefined;

  /**
   * @param weightT the input-major weight [inFeatures, outFeatures] (a fused member's is only a
   *   placeholder of that size: its product runs on the group's fused weight, see fuse)
   * @param threshold inputs with |x| < threshold are zeroed (0 keeps everything)
   */
  constructor(
    readonly weightT: WeightData,
    readonly dtype: WeightDType,
    readonly outFeatures: number,
    readonly inFeatures: number,
    readonly bias: Float32Array | null,
    threshold: number,
    private readonly backend: () => KernelBackend,
    options: TealLinearOptions = {},
  ) {
    if (weightT.length !== outFeatures * inFeatures) {
      throw new RangeError(`TealLinear: weight has ${weightT.length} elements, expected ${inFeatures}x${outFeatures}`);
    }
    if (bias && bias.length !== outFeatures) throw new RangeError(`TealLinear: bias has ${bias.length} elements, expected ${outFeatures}`);
    if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`TealLinear: threshold must be finite and >= 0, got ${threshold}`);
    this.ownThreshold = threshold;
    this.ownDenseAbove = options.denseAbove ?? DEFAULT_TEAL_DENSE_ABOVE;
    if (!Number.isInteger(this.ownDenseAbove) || this.ownDenseAbove < 1) throw new RangeError(`TealLinear: denseAbove must be a positive integer, got ${this.ownDenseAbove}`);
    this.ownSplit = options.split ?? "auto";
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

  /**
   * Fuses TEAL linears that read the same input and share one threshold (a block's q/k/v, its
   * gate/up) into one kernel call: returns one new TealLinear per member, in order, whose forward
   * runs the shared product (fused-input.ts) and which keeps the member's counts. The members' own
   * input-major weights are copied into the fused one and can be dropped.
   */
  static fuse(members: readonly TealLinear[]): TealLinear[] {
    const first = members[0];
    if (!first) throw new RangeError("TealLinear.fuse: no members");
    for (const m of members) {
      if (m.place) throw new RangeError("TealLinear.fuse: a member is already fused");
      if (m.threshold !== first.threshold || m.kind !== first.kind) {
        throw new RangeError(`TealLinear.fuse: members must share one threshold and kind (got ${m.threshold} ${m.kind} vs ${first.threshold} ${first.kind})`);
      }
    }
    const group = TealInputGroup.fuse(members, first.threshold, first.denseAbove, first.split, first.backend);
    return TealLinear.membersOf(group, members, first.backend, first.kind).map((fused, i) => {
      Object.assign(fused.counter, members[i]!.counter);
      return fused;
    });
  }

  /**
   * The fused TealLinears of dense layers that read one input (q/k/v, gate/up), built straight into
   * the fused input-major weight (no per-layer copy on the way); `storeAs` as in fromDense.
   */
  static fromDenseGroup(dense: readonly DenseWeightSource[], threshold: number, backend: () => KernelBackend, options: TealLinearOptions & { storeAs?: WeightDType } = {}): TealLinear[] {
    const to = options.storeAs ?? dense[0]!.dtype;
    const group = TealInputGroup.fromDense(dense, to, threshold, options.denseAbove ?? DEFAULT_TEAL_DENSE_ABOVE, options.split ?? "auto", backend);
    return TealLinear.membersOf(group, dense, backend, options.kind ?? "teal");
  }

  private static membersOf(group: TealInputGroup, layers: readonly { outFeatures: number; inFeatures: number; bias: Float32Array | null }[], backend: () => KernelBackend, kind: string): TealLinear[] {
    return layers.map((m, member) => {
      // The weight passed here only has the right size: forward runs the group's fused weight.
      const weight = group.weightT.subarray(0, m.inFeatures * m.outFeatures);
      const fused = new TealLinear(weight, group.dtype, m.outFeatures, m.inFeatures, m.bias, group.threshold, backend, { kind, denseAbove: group.denseAbove, split: group.split });
      fused.place = { group, member };
      return fused;
    });
  }

  /** Inputs with |x| below this are zeroed; for fused members, the group's (shared) threshold. */
  get threshold(): number {
    return this.place ? this.place.group.threshold : this.ownThreshold;
  }

  set threshold(t: number) {
    if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`TealLinear: threshold must be finite and >= 0, got ${t}`);
    if (this.place) this.place.group.threshold = t;
    else this.ownThreshold = t;
  }

  /** Most rows per call that run the sparse kernels (shared by a fused group). */
  get denseAbove(): number {
    return this.place ? this.place.group.denseAbove : this.ownDenseAbove;
  }

  set denseAbove(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`TealLinear: denseAbove must be a positive integer, got ${n}`);
    if (this.place) this.place.group.denseAbove = n;
    else this.ownDenseAbove = n;
  }

  /** How a batch-1 product splits work between threads (shared by a fused group). */
  get split(): SparseSplit {
    return this.place ? this.place.group.split : this.ownSplit;
  }

  set split(s: SparseSplit) {
    if (this.place) this.place.group.split = s;
    else this.ownSplit = s;
  }

  /** How many linears share this one's kernel call (itself included); 1 when not fused. */
  get fusedWith(): number {
    return this.place ? this.place.group.outFeatures.length : 1;
  }

  /** Bytes of this layer's weights (its share of a fused weight): what a token reads with nothing skipped. */
  get weightBytes(): number {
    return this.inFeatures * this.outFeatures * (this.dtype === "f32" ? 4 : 2);
  }

  forward(out: Float32Array, x: Float32Array, rows: number): void {
    if (this.place) return this.place.group.forward(this.place.member, out, x, rows, this.counter);
    const k = this.kernels();
    const { inFeatures: inF, outFeatures: outF, threshold: t } = this;
    if (rows === 1) {
      const count = k.thresholdGemvIm(out, x, this.idx, t, this.weightT, this.dtype, outF, inF, this.bias, this.split);
      this.counter.record(1, count, count, true);
      return;
    }
    const sparse = rows <= this.denseAbove;
    const count = k.thresholdMatmulIm(out, x, rows, inF, this.idx, t, sparse, this.weightT, this.dtype, outF, this.bias, this.kept);
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
      kernel: `${k.name}:${k.variant("thresholdSelect")}+${k.variant("sparseGemvIm")}/${k.variant("sparseMatmulIm")} (sparse up to ${this.denseAbove} rows, dense input-major above${this.place ? `; one call for the ${this.fusedWith} linears of this input` : ""})`,
      dtype: this.dtype,
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bytes: this.weightBytes + (this.bias?.byteLength ?? 0),
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
