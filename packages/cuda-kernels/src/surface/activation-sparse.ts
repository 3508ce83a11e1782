/**
 * Native kernels for activation sparsity (native/napi/activation_sparse_ops.cc): TEAL's column
 * skipping and CATS's sparse MLP. Mirrors native/include/sieve/activation_sparse_kernels.h.
 *
 * Layouts: an input-major weight `wt` is [k, n] row-major (row j = the n weights input j feeds,
 * the transpose of the usual [out, in] linear weight), so skipping input j skips one contiguous
 * row. Weights are f32 (Float32Array, wdt 0) or raw f16/bf16 bits (Uint16Array, wdt 1/2).
 * Index lists must be strictly ascending and in range; every function validates its arguments
 * and throws a TypeError/RangeError naming the argument.
 */
import type { WeightArray } from "../native-surface.js";

/** How sparseGemvIm shares work between threads: 0 auto, 1 by active inputs, 2 by output columns. */
export type SparseSplitCode = 0 | 1 | 2;

export interface ActivationSparseOps {
  /**
   * Streams data once (the read loop of measureReadBandwidth) and returns its sum: the kernel
   * benchmarks time it on exactly the bytes a sparse kernel reads, as that kernel's ceiling.
   */
  tealReadProbe(data: Float32Array): number;

  /**
   * Writes to idx (length >= k), ascending, every input j that some row of x[m, k] keeps
   * (|x[r, j]| >= threshold; every j when threshold <= 0) and returns how many. kept[0], when
   * given, receives the number of kept (row, input) pairs.
   */
  thresholdSelect(idx: Int32Array, x: Float32Array, m: number, k: number, threshold: number, kept: Float64Array | null): number;

  /** out[n] = bias + sum over i < count of x[idx[i]] * wt[idx[i], :] (batch 1). */
  sparseGemvIm(
    out: Float32Array, x: Float32Array, idx: Int32Array, count: number, wt: WeightArray, wdt: number,
    n: number, k: number, bias: Float32Array | null, split: SparseSplitCode,
  ): void;

  /**
   * thresholdSelect(idx, x, 1, k, threshold, null) then sparseGemvIm over the inputs it kept, in one
   * call (the batch-1 TEAL product): returns the number of kept inputs, listed in idx (length >= k).
   */
  thresholdGemvIm(
    out: Float32Array, x: Float32Array, idx: Int32Array, threshold: number, wt: WeightArray, wdt: number,
    n: number, k: number, bias: Float32Array | null, split: SparseSplitCode,
  ): number;

  /**
   * thresholdSelect(idx, x, m, k, threshold, kept) then sparseMatmulIm over the union it listed
   * (sparse = 1) or over all k inputs (sparse = 0: the dense fallback, which still counts), in one
   * call; returns the union's size.
   */
  thresholdMatmulIm(
    out: Float32Array, x: Float32Array, m: number, k: number, idx: Int32Array, threshold: number, sparse: 0 | 1,
    wt: WeightArray, wdt: number, n: number, bias: Float32Array | null, kept: Float64Array,
  ): number;

  /**
   * out[m, n] = bias + sum over i < count of c[r, idx[i]] * wt[idx[i], :], where c is x with each
   * |x[r, j]| < threshold zeroed (threshold <= 0: none). idx = null runs all k inputs (a dense
   * input-major GEMM; count is then ignored); otherwise idx must hold every input a row keeps.
   */
  sparseMatmulIm(
    out: Float32Array, x: Float32Array, m: number, k: number, idx: Int32Array | null, count: number,
    threshold: number, wt: WeightArray, wdt: number, n: number, bias: Float32Array | null,
  ): void;

  /** out[m, count] = x[m, k] . w[idx[i], :] for the selected rows of a row-major w [rows, k]. */
  gatherRowsMatmul(
    out: Float32Array, x: Float32Array, m: number, idx: Int32Array, count: number, w: WeightArray,
    wdt: number, k: number, rows: number,
  ): void;

  /**
   * The CATS MLP for one token: out[dim] = sum over kept neurons i = idx[0..count) of
   * act[i] * (up[i, :] . x) * downT[i, :], with up [hidden, dim] row-major (as stored) and downT
   * [hidden, dim] the input-major down projection. act is silu(gate(x)) [hidden].
   */
  catsMlpGemv(
    out: Float32Array, x: Float32Array, act: Float32Array, idx: Int32Array, count: number,
    up: WeightArray, downT: WeightArray, wdt: number, dim: number, hidden: number,
  ): void;

  /** The kernel variant each of these ops runs under the active ISA, e.g. { sparseGemvIm: "avx2-im-rows8" }. */
  activationSparseKernels(): Record<string, string>;
}
