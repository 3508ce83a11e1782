/**
 * The native addon's surface, typed: one TypeScript mirror of what native/napi/*.cc exports.
 * Arrays are passed by pointer (no copies); enums are small integers (see the *_CODE tables in
 * @sieve/core's backend/kernels.ts). Every function validates lengths and throws a TypeError or
 * RangeError naming the argument instead of reading out of bounds.
 */

import type { SparseWeightOps } from "./surface/sparse-weight.js";
import type { ActivationSparseOps } from "./surface/activation-sparse.js";

export type WeightArray = Float32Array | Uint16Array;

export interface CudaStatus {
  /** Built with nvcc. */
  compiled: boolean;
  /** A usable device is present. */
  available: boolean;
  /** Why CUDA is unavailable, or the device name when it is. */
  reason: string;
  deviceCount: number;
}

export interface NativeInfo {
  /** Active CPU variant: "avx512" (AVX-512 linears, AVX2 elsewhere), "avx2" or "portable". */
  isa: string;
  cpu: { avx2: boolean; fma: boolean; f16c: boolean; avx512f: boolean };
  threads: number;
  /** Kernel variant per op, e.g. { matmul: "avx2-packed-6x16" }. */
  kernels: Record<string, string>;
  cuda: CudaStatus;
}

/** CUDA versions of some ops, on host arrays (copied to and from the device per call). */
export interface NativeCudaOps {
  matmul(out: Float32Array, x: Float32Array, w: WeightArray, wdt: number, m: number, n: number, k: number, bias: Float32Array | null): void;
  gemv(out: Float32Array, x: Float32Array, w: WeightArray, wdt: number, n: number, k: number, bias: Float32Array | null): void;
  rmsNorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, dim: number, eps: number): void;
  rope(x: Float32Array, positions: Int32Array, rows: number, nHeads: number, headDim: number, invFreq: Float32Array, style: number): void;
  pagedAttention(
    out: Float32Array, q: Float32Array, kPool: Float32Array, vPool: Float32Array, blockTable: Int32Array,
    tokenSeq: Int32Array, tokenPos: Int32Array, numTokens: number, nHeads: number, nKvHeads: number,
    headDim: number, pageSize: number, maxPagesPerSeq: number, scale: number,
  ): void;
  /**
   * TEAL at decode on the GPU: out[n] = bias + sum of x[j] * wt[j, :] over the inputs with
   * |x[j]| >= threshold (x[j] != 0 when threshold <= 0), wt input-major [k, n]. The selection runs
   * in the kernel; the rows of skipped inputs are never read.
   */
  thresholdGemvIm(
    out: Float32Array, x: Float32Array, threshold: number, wt: WeightArray, wdt: number, n: number, k: number,
    bias: Float32Array | null,
  ): void;
  /** out[n] = bias + sum over i < count of x[idx[i]] * wt[idx[i], :] (idx strictly ascending, in [0, k)). */
  sparseGemvIm(
    out: Float32Array, x: Float32Array, idx: Int32Array, count: number, wt: WeightArray, wdt: number, n: number,
    k: number, bias: Float32Array | null,
  ): void;
}

export interface NativeAddon extends SparseWeightOps, ActivationSparseOps {
  info(): NativeInfo;
  /** Sets the CPU thread count (>= 1); returns the count now in use. */
  setThreads(n: number): number;
  /**
   * Chooses the CPU variant: "auto" (the best the CPU has), "avx512", "avx2" or "portable"; a tier
   * the CPU lacks falls back to the best one below it. Returns the one now active.
   */
  setIsa(isa: "auto" | "avx512" | "avx2" | "portable"): string;

  matmul(out: Float32Array, x: Float32Array, w: WeightArray, wdt: number, m: number, n: number, k: number, bias: Float32Array | null): void;
  gemv(out: Float32Array, x: Float32Array, w: WeightArray, wdt: number, n: number, k: number, bias: Float32Array | null): void;
  add(out: Float32Array, a: Float32Array, b: Float32Array): void;
  mul(out: Float32Array, a: Float32Array, b: Float32Array): void;
  scale(out: Float32Array, a: Float32Array, s: number): void;
  rmsNorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, dim: number, eps: number): void;
  layerNorm(out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, rows: number, dim: number, eps: number): void;
  rope(x: Float32Array, positions: Int32Array, rows: number, nHeads: number, headDim: number, invFreq: Float32Array, style: number): void;
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  logSoftmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  silu(out: Float32Array, x: Float32Array): void;
  gelu(out: Float32Array, x: Float32Array, approximate: number): void;
  relu(out: Float32Array, x: Float32Array): void;
  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array): void;
  embedding(out: Float32Array, table: WeightArray, dt: number, ids: Int32Array, dim: number): void;
  argmax(out: Int32Array, x: Float32Array, rows: number, cols: number): void;
  topk(outValues: Float32Array, outIndices: Int32Array, x: Float32Array, rows: number, cols: number, k: number): void;
  crossEntropy(out: Float32Array, logits: Float32Array, targets: Int32Array, rows: number, cols: number): void;
  pagedKvWrite(kPool: Float32Array, vPool: Float32Array, k: Float32Array, v: Float32Array, slots: Int32Array, numTokens: number, nKvHeads: number, headDim: number): void;
  /**
   * Causal paged attention. A -1 block-table entry below a token's own page is a hole whose
   * positions are skipped; `heads` (strictly increasing query-head ids, or null for all) limits
   * the heads computed and zeroes the other heads' outputs.
   */
  pagedAttention(
    out: Float32Array, q: Float32Array, kPool: Float32Array, vPool: Float32Array, blockTable: Int32Array,
    tokenSeq: Int32Array, tokenPos: Int32Array, numTokens: number, nHeads: number, nKvHeads: number,
    headDim: number, pageSize: number, maxPagesPerSeq: number, scale: number, heads?: Int32Array | null,
  ): void;

  /** Streaming read over `bytes` bytes with `threads` threads, best of `repeats`: GB/s. */
  measureReadBandwidth(bytes: number, threads: number, repeats: number): number;
  /** Independent register FMAs with `threads` threads for about `millis` ms: GFLOP/s. */
  measureFmaPeak(threads: number, millis: number): number;

  /**
   * `bytes` zeroed bytes for a weight that lives as long as its model, at a 2 MiB-aligned address
   * whose whole 2 MiB pieces are advised for huge pages (hugeAdvised bytes; 0 where the OS has no
   * such advice). The ArrayBuffer owns the memory and unmaps it when collected.
   */
  allocWeightBuffer(bytes: number): { buffer: ArrayBuffer; hugeAdvised: number };

  /** CUDA ops; calling one when info().cuda.available is false throws with the reason. */
  cuda: NativeCudaOps;
}
