import type { KernelBackend, WeightData, WeightDType } from "../backend/kernels.js";
import type { Tensor } from "../tensor/tensor.js";

/** What a linear layer reports about itself (for `sieve inspect`, logs and metrics). */
export interface LinearDescription {
  /** e.g. "dense", "nm-2:4", "csr", "teal". */
  kind: string;
  /** The kernel that runs this layer, e.g. "native:avx2-packed-6x16" — never hidden. */
  kernel: string;
  /** Storage dtype of the values. */
  dtype: string;
  inFeatures: number;
  outFeatures: number;
  /** Bytes the layer keeps in memory (values, indices, bias). */
  bytes: number;
  /** Fraction of weights that are zero / not stored (0 for dense). */
  weightSparsity: number;
}

/**
 * The replaceable linear layer: y[rows, out] = f(x[rows, in]) for a batch of token rows. Dense,
 * pruned, activation-sparse and other layers all implement it, so a technique swaps a layer
 * without the model knowing.
 */
export interface LinearLayer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** out must hold rows * outFeatures floats; x holds rows * inFeatures. */
  forward(out: Float32Array, x: Float32Array, rows: number): void;
  describe(): LinearDescription;
}

/** A dense linear layer, weight [out, in] in f32/f16/bf16, run by a kernel backend. */
export class DenseLinear implements LinearLayer {
  constructor(
    readonly weight: WeightData,
    readonly dtype: WeightDType,
    readonly outFeatures: number,
    readonly inFeatures: number,
    readonly bias: Float32Array | null,
    private readonly backend: () => KernelBackend,
  ) {
    if (weight.length !== outFeatures * inFeatures) {
      throw new RangeError(`DenseLinear: weight has ${weight.length} elements, expected ${outFeatures}x${inFeatures}`);
    }
    if (bias && bias.length !== outFeatures) {
      throw new RangeError(`DenseLinear: bias has ${bias.length} elements, expected ${outFeatures}`);
    }
  }

  forward(out: Float32Array, x: Float32Array, rows: number): void {
    const b = this.backend();
    if (rows === 1) b.gemv(out, x, this.weight, this.dtype, this.outFeatures, this.inFeatures, this.bias);
    else b.matmul(out, x, this.weight, this.dtype, rows, this.outFeatures, this.inFeatures, this.bias);
  }

  describe(): LinearDescription {
    const b = this.backend().describe();
    return {
      kind: "dense",
      kernel: `${b.name}:${b.kernels.gemv ?? "?"}/${b.kernels.matmul ?? "?"}`,
      dtype: this.dtype,
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bytes: this.weight.byteLength + (this.bias?.byteLength ?? 0),
      weightSparsity: 0,
    };
  }
}

/**
 * Builds the linear layer stored under `name` ("model.layers.0.self_attn.q_proj") when its
 * weights are in a format a technique package owns (e.g. 2:4-compressed values + indices), or
 * returns undefined to let the model build a DenseLinear from `${name}.weight`. Lets a
 * composition root load pruned checkpoints without the model knowing any sparse format.
 */
export type LinearFactory = (request: {
  name: string;
  outFeatures: number;
  inFeatures: number;
  /** Every tensor of the checkpoint, by name. */
  weights: ReadonlyMap<string, Tensor>;
  bias: Float32Array | null;
  backend: () => KernelBackend;
}) => LinearLayer | undefined;
