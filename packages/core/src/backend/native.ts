import { loadAddon, describeLoadFailure, type NativeAddon } from "@sieve/cuda-kernels";
import {
  GELU_CODE,
  ROPE_STYLE_CODE,
  WEIGHT_DTYPE_CODE,
  type BackendDescription,
  type BackendName,
  type KernelBackend,
  type PagedAttentionArgs,
  type PagedKvWriteArgs,
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

  /** Chooses the CPU instruction-set variant ("auto", "avx2", "portable"); returns the active one. */
  setIsa(isa: "auto" | "avx2" | "portable"): string {
    return this.addon.setIsa(isa);
  }

  matmul(...a: Parameters<KernelBackend["matmul"]>): void {
    const [out, x, w, wDtype, m, n, k, bias] = a;
    this.addon.matmul(out, x, w, WEIGHT_DTYPE_CODE[wDtype], m, n, k, bias ?? null);
  }
  gemv(...a: Parameters<KernelBackend["gemv"]>): void {
    const [out, x, w, wDtype, n, k, bias] = a;
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
  rmsNorm(...a: Parameters<KernelBackend["rmsNorm"]>): void {
    this.addon.rmsNorm(...a);
  }
  layerNorm(...a: Parameters<KernelBackend["layerNorm"]>): void {
    const [out, x, weight, bias, rows, dim, eps] = a;
    this.addon.layerNorm(out, x, weight, bias ?? null, rows, dim, eps);
  }
  rope(...a: Parameters<KernelBackend["rope"]>): void {
    const [x, positions, rows, nHeads, headDim, invFreq, style] = a;
    this.addon.rope(x, positions, rows, nHeads, headDim, invFreq, ROPE_STYLE_CODE[style]);
  }
  softmax(...a: Parameters<KernelBackend["softmax"]>): void {
    this.addon.softmax(...a);
  }
  logSoftmax(...a: Parameters<KernelBackend["logSoftmax"]>): void {
    this.addon.logSoftmax(...a);
  }
  silu(out: Float32Array, x: Float32Array): void {
    this.addon.silu(out, x);
  }
  gelu(...a: Parameters<KernelBackend["gelu"]>): void {
    const [out, x, approximate] = a;
    this.addon.gelu(out, x, GELU_CODE[approximate]);
  }
  relu(out: Float32Array, x: Float32Array): void {
    this.addon.relu(out, x);
  }
  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array): void {
    this.addon.swiglu(out, gate, up);
  }
  embedding(...a: Parameters<KernelBackend["embedding"]>): void {
    const [out, table, dtype, ids, dim] = a;
    this.addon.embedding(out, table, WEIGHT_DTYPE_CODE[dtype], ids, dim);
  }
  argmax(...a: Parameters<KernelBackend["argmax"]>): void {
    this.addon.argmax(...a);
  }
  topk(...a: Parameters<KernelBackend["topk"]>): void {
    this.addon.topk(...a);
  }
  crossEntropy(...a: Parameters<KernelBackend["crossEntropy"]>): void {
    this.addon.crossEntropy(...a);
  }
  pagedKvWrite(p: PagedKvWriteArgs): void {
    this.addon.pagedKvWrite(p.kPool, p.vPool, p.k, p.v, p.slots, p.numTokens, p.nKvHeads, p.headDim);
  }
  pagedAttention(p: PagedAttentionArgs): void {
    this.addon.pagedAttention(
      p.out, p.q, p.kPool, p.vPool, p.blockTable, p.tokenSeq, p.tokenPos,
      p.numTokens, p.nHeads, p.nKvHeads, p.headDim, p.pageSize, p.maxPagesPerSeq, p.scale,
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
