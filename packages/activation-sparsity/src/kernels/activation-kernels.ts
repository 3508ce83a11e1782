/**
 * The activation-sparse kernels a layer runs, behind one interface: the native addon's (AVX2 or
 * portable C++, multithreaded) or the TypeScript reference twins. Which one runs follows the
 * model's kernel backend: "reference" gets the twins; anything else the addon (taken from the
 * backend when it carries one, else loaded), falling back to the twins with one warning when the
 * addon cannot be loaded. The variant names are reported (describe(), `sieve inspect`): a sparse
 * layer never runs a hidden kernel.
 */
import { WEIGHT_DTYPE_CODE, loadNativeBackend, type KernelBackend, type NativeBackend, type WeightData, type WeightDType } from "@sieve/core";
import * as ref from "./reference/activation-sparse.js";

/** How a batch-1 sparse GEMV splits work between threads (see activation_sparse_kernels.h). */
export type SparseSplit = "auto" | "inputs" | "columns";
const SPLIT_CODE: Record<SparseSplit, 0 | 1 | 2> = { auto: 0, inputs: 1, columns: 2 };

export interface ActivationKernels {
  /** "native" (the addon) or "reference" (TypeScript). */
  readonly name: "native" | "reference";
  /** The variant name of an op, e.g. "avx2-im-rows8" (changes with the addon's ISA). */
  variant(op: "sparseGemvIm" | "sparseMatmulIm" | "gatherRowsMatmul" | "catsMlpGemv" | "thresholdSelect"): string;
  thresholdSelect(idx: Int32Array, x: Float32Array, m: number, k: number, threshold: number, kept: Float64Array | null): number;
  sparseGemvIm(out: Float32Array, x: Float32Array, idx: Int32Array, count: number, wt: WeightData, dtype: WeightDType, n: number, k: number, bias: Float32Array | null, split?: SparseSplit): void;
  /**
   * thresholdSelect(idx, x, 1, k, threshold, null) + sparseGemvIm over the kept inputs, in one call
   * (one native crossing per batch-1 TEAL product); returns the kept count, listed in idx.
   */
  thresholdGemvIm(out: Float32Array, x: Float32Array, idx: Int32Array, threshold: number, wt: WeightData, dtype: WeightDType, n: number, k: number, bias: Float32Array | null, split?: SparseSplit): number;
  /**
   * thresholdSelect(idx, x, m, k, threshold, kept) + sparseMatmulIm over the union (sparse) or over
   * all inputs (the dense fallback), in one call; returns the union's size.
   */
  thresholdMatmulIm(out: Float32Array, x: Float32Array, m: number, k: number, idx: Int32Array, threshold: number, sparse: boolean, wt: WeightData, dtype: WeightDType, n: number, bias: Float32Array | null, kept: Float64Array): number;
  sparseMatmulIm(out: Float32Array, x: Float32Array, m: number, k: number, idx: Int32Array | null, count: number, threshold: number, wt: WeightData, dtype: WeightDType, n: number, bias: Float32Array | null): void;
  gatherRowsMatmul(out: Float32Array, x: Float32Array, m: number, idx: Int32Array, count: number, w: WeightData, dtype: WeightDType, k: number, rows: number): void;
  catsMlpGemv(out: Float32Array, x: Float32Array, act: Float32Array, idx: Int32Array, count: number, up: WeightData, downT: WeightData, dtype: WeightDType, dim: number, hidden: number): void;
}

type Addon = NativeBackend["addon"];

/** The addon's kernels, validated natively (a bad call throws a RangeError/TypeError). */
export function nativeActivationKernels(addon: Addon): ActivationKernels {
  return {
    name: "native",
    variant: (op) => addon.activationSparseKernels()[op] ?? "?",
    thresholdSelect: (idx, x, m, k, t, kept) => addon.thresholdSelect(idx, x, m, k, t, kept),
    sparseGemvIm: (out, x, idx, count, wt, dtype, n, k, bias, split = "auto") =>
      addon.sparseGemvIm(out, x, idx, count, wt, WEIGHT_DTYPE_CODE[dtype], n, k, bias, SPLIT_CODE[split]),
    thresholdGemvIm: (out, x, idx, t, wt, dtype, n, k, bias, split = "auto") =>
      addon.thresholdGemvIm(out, x, idx, t, wt, WEIGHT_DTYPE_CODE[dtype], n, k, bias, SPLIT_CODE[split]),
    thresholdMatmulIm: (out, x, m, k, idx, t, sparse, wt, dtype, n, bias, kept) =>
      addon.thresholdMatmulIm(out, x, m, k, idx, t, sparse ? 1 : 0, wt, WEIGHT_DTYPE_CODE[dtype], n, bias, kept),
    sparseMatmulIm: (out, x, m, k, idx, count, t, wt, dtype, n, bias) =>
      addon.sparseMatmulIm(out, x, m, k, idx, count, t, wt, WEIGHT_DTYPE_CODE[dtype], n, bias),
    gatherRowsMatmul: (out, x, m, idx, count, w, dtype, k, rows) => addon.gatherRowsMatmul(out, x, m, idx, count, w, WEIGHT_DTYPE_CODE[dtype], k, rows),
    catsMlpGemv: (out, x, act, idx, count, up, downT, dtype, dim, hidden) =>
      addon.catsMlpGemv(out, x, act, idx, count, up, downT, WEIGHT_DTYPE_CODE[dtype], dim, hidden),
  };
}

/** The TypeScript twins (single-threaded, f64 accumulation). */
export const referenceActivationKernels: ActivationKernels = {
  name: "reference",
  variant: () => "ts-reference",
  thresholdSelect: ref.thresholdSelect,
  sparseGemvIm: (out, x, idx, count, wt, dtype, n, _k, bias) => ref.sparseGemvIm(out, x, idx, count, wt, dtype, n, bias),
  thresholdGemvIm: (out, x, idx, t, wt, dtype, n, k, bias) => {
    const count = ref.thresholdSelect(idx, x, 1, k, t, null);
    ref.sparseGemvIm(out, x, idx, count, wt, dtype, n, bias);
    return count;
  },
  thresholdMatmulIm: (out, x, m, k, idx, t, sparse, wt, dtype, n, bias, kept) => {
    const count = ref.thresholdSelect(idx, x, m, k, t, kept);
    ref.sparseMatmulIm(out, x, m, k, sparse ? idx : null, sparse ? count : k, t, wt, dtype, n, bias);
    return count;
  },
  sparseMatmulIm: ref.sparseMatmulIm,
  gatherRowsMatmul: (out, x, m, idx, count, w, dtype, k) => ref.gatherRowsMatmul(out, x, m, idx, count, w, dtype, k),
  catsMlpGemv: (out, x, act, idx, count, up, downT, dtype, dim) => ref.catsMlpGemv(out, x, act, idx, count, up, downT, dtype, dim),
};

function hasActivationOps(addon: unknown): addon is Addon {
  return typeof (addon as Partial<Addon> | undefined)?.thresholdMatmulIm === "function";
}

let loadedNative: ActivationKernels | null | undefined;
let warned = false;

/** The kernels for a model whose linears run on `backend` (see the file comment). */
export function activationKernelsFor(backend: KernelBackend): ActivationKernels {
  if (backend.name === "reference") return referenceActivationKernels;
  const own = (backend as { addon?: unknown }).addon;
  if (hasActivationOps(own)) return nativeActivationKernels(own);
  if (loadedNative === undefined) {
    const loaded = loadNativeBackend();
    loadedNative = loaded.ok && hasActivationOps(loaded.backend.addon) ? nativeActivationKernels(loaded.backend.addon) : null;
    if (!loadedNative && !warned && process.env.SIEVE_QUIET !== "1") {
      warned = true;
      process.stderr.write(`[sieve] warning: activation-sparse layers run the TypeScript reference kernels (slow): ${loaded.ok ? "the addon lacks them (rebuild it)" : loaded.reason}\n`);
    }
  }
  return loadedNative ?? referenceActivationKernels;
}
