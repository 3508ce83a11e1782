/**
 * One kernel call for the TEAL linears of a block that read the same input: q/k/v (the normed
 * hidden state) and gate/up. They share one calibrated threshold (teal/groups.ts), so they keep the
 * same inputs, and their input-major weights can sit side by side as one [in, sum of outs]
 * matrix: a row j holds every member's weights of input j. The first member called with an input
 * runs the product for all of them; the others find it done and copy their columns.
 *
 * Why: at TinyLlama's shapes k and v are 256 outputs wide, 512-byte rows in f16, which streamed
 * at a third of the bandwidth on their own and took 4% of a TEAL decode step (65%, 2-core Xeon VM,
 * `sieve bench --profile`); fused into q's 5 KB rows they stream like q, and a block makes two
 * thresholding passes and kernel calls fewer.
 *
 * A product serves each of the other members once, and only for the very input it was run on: the
 * group keeps a copy of that input and compares (a few KB per token row), so a member called alone,
 * twice, or with another input always gets the product of its own input, and a product is never
 * carried over to a later step (decoding the same token at the same position again, as a benchmark
 * that rewinds does, runs the kernel again).
 */
import type { KernelBackend, WeightData, WeightDType } from "@sieve/core";
import { allocWeightStorage } from "@sieve/core";
import { activationKernelsFor, type ActivationKernels, type SparseSplit } from "../kernels/activation-kernels.js";
import { transposeInto } from "../kernels/input-major.js";
import type { SparsityCounter } from "./sparsity-counter.js";

/** The parts of a member TealInputGroup.fuse reads: an input-major weight [in, out] and a bias. */
export interface FusableTeal {
  readonly weightT: WeightData;
  readonly dtype: WeightDType;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: Float32Array | null;
}

/** The parts of a dense member TealInputGroup.fromDense reads: its [out, in] weight and a bias. */
export interface DenseParts {
  readonly weight: WeightData;
  readonly dtype: WeightDType;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: Float32Array | null;
}

/** Two or more members on one input and one dtype; returns that dtype. */
function checkMembers(members: ReadonlyArray<{ dtype: WeightDType; inFeatures: number }>): WeightDType {
  const first = members[0];
  if (!first || members.length < 2) throw new RangeError("TealInputGroup: needs at least two members");
  for (const m of members) {
    if (m.dtype !== first.dtype || m.inFeatures !== first.inFeatures) {
      throw new RangeError(`TealInputGroup: members differ (${m.dtype} x ${m.inFeatures} inputs vs ${first.dtype} x ${first.inFeatures})`);
    }
  }
  return first.dtype;
}

export class TealInputGroup {
  /** Sum of the members' outFeatures: the row length of the fused weight. */
  readonly width: number;
  /** Where each member's columns start in a fused row, in member order. */
  readonly offsets: readonly number[];
  private readonly idx: Int32Array;
  private readonly kept = new Float64Array(1);
  private out = new Float32Array(0);
  private input = new Float32Array(0);
  private inputBits = new Int32Array(0);
  private inputRows = 0;
  /** The x ranOn saw last and an Int32 view of it (x is usually the same scratch array every step). */
  private lastX: Float32Array | null = null;
  private lastXBits: Int32Array = new Int32Array(0);
  /** Bit m set: member m has yet to take its columns of the current product. */
  private pending = 0;
  private last = { count: 0, kept: 0, sparse: true };
  private cached: { backend: KernelBackend; kernels: ActivationKernels } | undefined;

  private constructor(
    readonly weightT: WeightData,
    readonly dtype: WeightDType,
    readonly inFeatures: number,
    readonly outFeatures: readonly number[],
    readonly bias: Float32Array | null,
    private thresholdValue: number,
    public denseAbove: number,
    public split: SparseSplit,
    private readonly backend: () => KernelBackend,
  ) {
    this.width = outFeatures.reduce((a, b) => a + b, 0);
    let at = 0;
    this.offsets = outFeatures.map((n) => ((at += n), at - n));
    this.idx = new Int32Array(inFeatures);
  }

  /** The members' shared threshold; changing it drops the product of the last input. */
  get threshold(): number {
    return this.thresholdValue;
  }

  set threshold(t: number) {
    this.thresholdValue = t;
    this.inputRows = 0;
    this.pending = 0;
  }

  /**
   * Interleaves the members' input-major weights into one (copied row by row into new storage;
   * the members' own weights can be dropped afterwards). Members must agree on dtype and inputs.
   */
  static fuse(members: readonly FusableTeal[], threshold: number, denseAbove: number, split: SparseSplit, backend: () => KernelBackend): TealInputGroup {
    const dtype = checkMembers(members);
    return TealInputGroup.build(members, dtype, threshold, denseAbove, split, backend, (fused, width, offset, m) => {
      const n = m.outFeatures;
      for (let j = 0; j < m.inFeatures; j++) fused.set(m.weightT.subarray(j * n, (j + 1) * n) as never, j * width + offset);
    });
  }

  /**
   * Builds the fused input-major weight straight from the members' dense [out, in] weights (each
   * transposed into its columns, stored as `to`), so no per-member input-major copy ever exists.
   */
  static fromDense(members: readonly DenseParts[], to: WeightDType, threshold: number, denseAbove: number, split: SparseSplit, backend: () => KernelBackend): TealInputGroup {
    const dtype = checkMembers(members);
    return TealInputGroup.build(members, to, threshold, denseAbove, split, backend, (fused, width, offset, m) =>
      transposeInto(fused, width, offset, m.weight, dtype, m.outFeatures, m.inFeatures, to),
    );
  }

  private static build<M extends { inFeatures: number; outFeatures: number; bias: Float32Array | null }>(
    members: readonly M[],
    dtype: WeightDType,
    threshold: number,
    denseAbove: number,
    split: SparseSplit,
    backend: () => KernelBackend,
    fill: (fused: WeightData, width: number, offset: number, member: M) => void,
  ): TealInputGroup {
    const inF = members[0]!.inFeatures;
    const outs = members.map((m) => m.outFeatures);
    const width = outs.reduce((a, b) => a + b, 0);
    const fused = allocWeightStorage(dtype, inF * width) as WeightData;
    let offset = 0;
    for (const m of members) {
      fill(fused, width, offset, m);
      offset += m.outFeatures;
    }
    let bias: Float32Array | null = null;
    if (members.some((m) => m.bias)) {
      bias = new Float32Array(width);
      offset = 0;
      for (const m of members) {
        if (m.bias) bias.set(m.bias, offset);
        offset += m.outFeatures;
      }
    }
    return new TealInputGroup(fused, dtype, inF, outs, bias, threshold, denseAbove, split, backend);
  }

  /**
   * out[rows, outFeatures[member]] = member's columns of the fused product of x (thresholded),
   * running the product only if the last one was not on this very input. Records on `counter`.
   */
  forward(member: number, out: Float32Array, x: Float32Array, rows: number, counter: SparsityCounter): void {
    const bit = 1 << member;
    if ((this.pending & bit) !== 0 && this.ranOn(x, rows)) {
      this.pending &= ~bit;
    } else {
      this.run(x, rows);
      this.pending = ((1 << this.outFeatures.length) - 1) & ~bit;
    }
    const n = this.outFeatures[member]!;
    const from = this.offsets[member]!;
    if (rows === 1) {
      out.set(this.out.subarray(from, from + n));
    } else {
      for (let r = 0; r < rows; r++) out.set(this.out.subarray(r * this.width + from, r * this.width + from + n), r * n);
    }
    counter.record(rows, this.last.kept, this.last.count, this.last.sparse);
    if (this.pending === 0) this.inputRows = 0;
  }

  /**
   * True if the product in `out` is of exactly these rows of x (same bits, same threshold). A plain
   * loop over Int32 views: Buffer.from + equals (two allocations and a native call, right after a
   * weight stream has flushed the caches) cost ~1.7% of a TEAL decode token.
   */
  private ranOn(x: Float32Array, rows: number): boolean {
    if (rows !== this.inputRows) return false;
    if (x !== this.lastX) {
      this.lastX = x;
      this.lastXBits = new Int32Array(x.buffer, x.byteOffset, x.length);
    }
    const a = this.lastXBits, b = this.inputBits;
    for (let i = 0, len = rows * this.inFeatures; i < len; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  private run(x: Float32Array, rows: number): void {
    const k = this.kernels();
    const { inFeatures: inF, width: n, threshold: t } = this;
    const len = rows * inF;
    if (this.out.length < rows * n) this.out = new Float32Array(rows * n);
    if (this.input.length < len) {
      this.input = new Float32Array(len);
      this.inputBits = new Int32Array(this.input.buffer);
    }
    // Invalid until the product is done: a kernel that throws leaves no stale match behind.
    this.inputRows = 0;
    if (rows === 1) {
      const count = k.thresholdGemvIm(this.out, x, this.idx, t, this.weightT, this.dtype, n, inF, this.bias, this.split);
      this.last = { count, kept: count, sparse: true };
    } else {
      const sparse = rows <= this.denseAbove;
      const count = k.thresholdMatmulIm(this.out, x, rows, inF, this.idx, t, sparse, this.weightT, this.dtype, n, this.bias, this.kept);
      this.last = { count, kept: this.kept[0]!, sparse };
    }
    this.input.set(x.subarray(0, len));
    this.inputRows = rows;
  }

  private kernels(): ActivationKernels {
    const backend = this.backend();
    if (this.cached?.backend !== backend) this.cached = { backend, kernels: activationKernelsFor(backend) };
    return this.cached.kernels;
  }
}
