import { loadAddon, describeLoadFailure, type NativeAddon } from "@sieve/cuda-kernels";
import {
  GELU_CODE,
  ROPE_STYLE_CODE,
  WEIGHT_DTYPE_CODE,
  type BackendDescription,
  type BackendName,
  type GeluApproximation,
  type KernelBackend,
  type PagedAttentionArgs,
  type PagedKvWriteArgs,
  type RopeStyle,
  type WeightData,
  type WeightDType,
} from "./kernels.js";

/**
 * The native CPU backend: a thin adapter from the op vocabulary to the addon's functions, which
 * run AVX2/FMA kernels (or their portable twins) on a persistent thread pool. Arrays are passed
 * by pointer; nothing is copied.
 */
export class NativeBackend implements KernelBackend {
  readonly name: BackendName = "native";

  constructor(readonly addon: NativeAddon) {}

  describe(): BackendDescription {
    const info = this.addon.info();
    const notes = [`cuda: ${info.cuda.available ? "available" : "unavailable"} (${info.cuda.reason})`];
    return { name: "native", isa: info.isa, threads: info.threads, kernels: { ...info.kernels }, notes };
  }

  /** Sets the CPU thread count; returns the count in use. */
  setThreads(n: number): number {
    return this.addon.setThreads(n);
  }

  /**
   * Chooses the CPU instruction-set variant ("auto", "avx512", "avx2", "portable"; a tier the CPU
   * lacks falls back to the best below it); returns the active one.
   */
  setIsa(isa: "auto" | "avx512" | "avx2" | "portable"): string {
    return this.addon.setIsa(isa);
  }

  // Each method forwards its parameters one by one (no rest/spread): these run ~100 times per
  // decode step, and the addon checks every argument itself.
  matmul(out: Float32Array, x: Float32Array, w: WeightData, wDtype: WeightDType, m: number, n: number, k: number, bias?: Float32Array | null): void {
    this.addon.matmul(out, x, w, WEIGHT_DTYPE_CODE[wDtype], m, n, k, bias ?? null);
  }
  gemv(out: Float32Array, x: Float32Array, w: WeightData, wDtype: WeightDType, n: number, k: number, bias?: Float32Array | null): void {
    this.addon.gemv(out, x, w, WEIGHT_DTYPE_CODE[wDtype], n, k, bias ?? null);
  }
  add(out: Float32Array, a: Float32Array, b: Float32Array): void {
    this.addon.add(out, a, b);
  }
  mul(out: Float32Array, a: Float32Array, b: Float32Array): void {
    this.addon.mul(out, a, b);
  }
  scale(out: Float32Array, a: Float32Array, s: number): void {
    this.addon.scale(out, a, s);
  }
  rmsNorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, dim: number, eps: number): void {
    this.addon.rmsNorm(out, x, weight, rows, dim, eps);
  }
  layerNorm(out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, rows: number, dim: number, eps: number): void {
    this.addon.layerNorm(out, x, weight, bias ?? null, rows, dim, eps);
  }
  rope(x: Float32Array, positions: Int32Array, rows: number, nHeads: number, headDim: number, invFreq: Float32Array, style: RopeStyle): void {
    this.addon.rope(x, positions, rows, nHeads, headDim, invFreq, ROPE_STYLE_CODE[style]);
  }
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void {
    this.addon.softmax(out, x, rows, cols);
  }
  logSoftmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void {
    this.addon.logSoftmax(out, x, rows, cols);
  }
  silu(out: Float32Array, x: Float32Array): void {
    this.addon.silu(out, x);
  }
  gelu(out: Float32Array, x: Float32Array, approximate: GeluApproximation): void {
    this.addon.gelu(out, x, GELU_CODE[approximate]);
  }
  relu(out: Float32Array, x: Float32Array): void {
    this.addon.relu(out, x);
  }
  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array): void {
    this.addon.swiglu(out, gate, up);
  }
  embedding(out: Float32Array, table: WeightData, dtype: WeightDType, ids: Int32Array, dim: number): void {
    this.addon.embedding(out, table, WEIGHT_DTYPE_CODE[dtype], ids, dim);
  }
  argmax(out: Int32Array, x: Float32Array, rows: number, cols: number): void {
    this.addon.argmax(out, x, rows, cols);
  }
  topk(outValues: Float32Array, outIndices: Int32Array, x: Float32Array, rows: number, cols: number, k: number): void {
    this.addon.topk(outValues, outIndices, x, rows, cols, k);
  }
  crossEntropy(out: Float32Array, logits: Float32Array, targets: Int32Array, rows: number, cols: number): void {
    this.addon.crossEntropy(out, logits, targets, rows, cols);
  }
  pagedKvWrite(p: PagedKvWriteArgs): void {
    this.addon.pagedKvWrite(p.kPool, p.vPool, p.k, p.v, p.slots, p.numTokens, p.nKvHeads, p.headDim);
  }
  pagedAttention(p: PagedAttentionArgs): void {
    this.addon.pagedAttention(
      p.out, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos,
      p.numTokens, p.nHeads, p.nKvHeads, p.headDim, p.pageSize, p.maxPagesPerSeq, p.scale, p.heads ?? null,
    );
  }
}

export type NativeLoad = { ok: true; backend: NativeBackend; path: string } | { ok: false; reason: string };

/** Loads the addon and wraps it; on failure, the reason lists every candidate tried. */
export function loadNativeBackend(): NativeLoad {
  const result = loadAddon();
  if (!result.ok) return { ok: false, reason: describeLoadFailure(result) };
  return { ok: true, backend: new NativeBackend(result.addon), path: result.path };
}
