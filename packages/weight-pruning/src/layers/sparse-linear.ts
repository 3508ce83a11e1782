/**
 * Linear layers whose weight is stored compressed (N:M or unstructured): they implement core's
 * LinearLayer, so a pruned model swaps them in without the model knowing. forward() runs the
 * native sparse kernel (GEMV for one row, GEMM for a batch) or the TypeScript reference, and
 * describe() names exactly which: e.g. kind "nm-2:4", kernel "native:avx2-nm24-gemv/avx2-nm24-gemm",
 * or "reference:typescript". A pruned layer never runs a dense kernel.
 */
import { getBackend, type KernelBackend, type LinearDescription, type LinearLayer } from "@sieve/core";
import type { NmWeight } from "../formats/nm.js";
import { sparseFormatName, sparseValueDtype, sparseWeightBytes, sparseWeightSparsity, validateSparseWeight, type SparseWeight, type UnstructuredWeight } from "../formats/sparse-weight.js";
import { nativeSparseKernelName, sparseLinearNative } from "../kernels/native.js";
import { sparseLinearReference } from "../kernels/reference/sparse-linear.js";
import { chooseSparseKernels, warnReferenceOnce } from "./kernel-choice.js";

export interface SparseLinearOptions {
  /**
   * Check the index contents once (monotone pointers, columns in range, popcounts) before use.
   * Default true; the native kernels stay memory-safe without it, but results would be wrong.
   */
  validate?: boolean;
  /** Names the layer in error messages, e.g. "model.layers.0.mlp.up_proj". */
  name?: string;
}

export class SparseLinear implements LinearLayer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Computed once: for some formats it takes a pass over the indices. */
  private readonly sparsity: number;

  constructor(
    readonly weight: SparseWeight,
    readonly bias: Float32Array | null,
    private readonly backend: () => KernelBackend = getBackend,
    options: SparseLinearOptions = {},
  ) {
    const where = options.name ?? `${sparseFormatName(weight)} linear`;
    if (options.validate ?? true) validateSparseWeight(weight, where);
    if (bias && bias.length !== weight.rows) throw new RangeError(`${where}: bias has ${bias.length} elements, expected ${weight.rows}`);
    this.outFeatures = weight.rows;
    this.inFeatures = weight.cols;
    this.sparsity = sparseWeightSparsity(weight);
  }

  forward(out: Float32Array, x: Float32Array, rows: number): void {
    const k = chooseSparseKernels(this.backend());
    if (k.kind === "native") {
      sparseLinearNative(k.addon, out, x, rows, this.weight, this.bias);
    } else {
      warnReferenceOnce(k.reason);
      sparseLinearReference(out, x, rows, this.weight, this.bias);
    }
  }

  describe(): LinearDescription {
    const k = chooseSparseKernels(this.backend());
    const kernel =
      k.kind === "native" ? `native:${nativeSparseKernelName(k.addon, this.weight, 1)}/${nativeSparseKernelName(k.addon, this.weight, 2)}` : "reference:typescript";
    return {
      kind: sparseFormatName(this.weight),
      kernel,
      dtype: sparseValueDtype(this.weight),
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bytes: sparseWeightBytes(this.weight) + (this.bias?.byteLength ?? 0),
      weightSparsity: this.sparsity,
    };
  }
}

/** A linear layer with an N:M (2:4 or 4:8) compressed weight. */
export class NmSparseLinear extends SparseLinear {
  declare readonly weight: NmWeight;

  constructor(weight: NmWeight, bias: Float32Array | null, backend?: () => KernelBackend, options?: SparseLinearOptions) {
    super(weight, bias, backend, options);
  }
}

/** A linear layer with an unstructured compressed weight (bitmap, csr, bcsr or csr8). */
export class UnstructuredSparseLinear extends SparseLinear {
  declare readonly weight: UnstructuredWeight;

  constructor(weight: UnstructuredWeight, bias: Float32Array | null, backend?: () => KernelBackend, options?: SparseLinearOptions) {
    super(weight, bias, backend, options);
  }
}

/** The layer class that fits a compressed weight. */
export function sparseLinearOf(weight: SparseWeight, bias: Float32Array | null, backend?: () => KernelBackend, options?: SparseLinearOptions): SparseLinear {
  return weight.format === "nm" ? new NmSparseLinear(weight, bias, backend, options) : new UnstructuredSparseLinear(weight, bias, backend, options);
}
