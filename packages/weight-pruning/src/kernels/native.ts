/**
 * The native pruned-weight kernels (packages/cuda-kernels, native/napi/sparse_weight_ops.cc)
 * behind the same signature as the reference: one call per format, arrays passed without copies.
 */
import type { NativeBackend } from "@sieve/core";
import type { SparseWeight } from "../formats/sparse-weight.js";
import { sparseFormatName } from "../formats/sparse-weight.js";
import { VALUE_DTYPE_CODE, valueDtypeOf } from "../formats/values.js";

/** The addon as @sieve/core's native backend holds it. */
export type NativeAddon = NativeBackend["addon"];

export function sparseLinearNative(addon: NativeAddon, out: Float32Array, x: Float32Array, batch: number, w: SparseWeight, bias: Float32Array | null): void {
  const vdt = VALUE_DTYPE_CODE[valueDtypeOf(w.values)];
  switch (w.format) {
    case "nm":
      return addon.nmLinear(out, x, w.values, vdt, w.indices, w.pattern.n, w.pattern.m, batch, w.rows, w.cols, bias);
    case "bitmap":
      return addon.bitmapLinear(out, x, w.values, vdt, w.bitmap, w.rowPtr, batch, w.rows, w.cols, bias);
    case "csr":
      return addon.csrLinear(out, x, w.values, vdt, w.colIdx, w.rowPtr, batch, w.rows, w.cols, bias);
    case "bcsr":
      return addon.bcsrLinear(out, x, w.values, vdt, w.colLo, w.blockPtr, batch, w.rows, w.cols, bias);
    case "csr8":
      return addon.csr8Linear(out, x, w.values, vdt, w.offset, w.base, w.rowChunk, batch, w.rows, w.cols, bias);
  }
}

/** The native kernel variant that runs this weight at a batch size, e.g. "avx2-nm24-gemv". */
export function nativeSparseKernelName(addon: NativeAddon, w: SparseWeight, batch: number): string {
  return addon.sparseWeightKernel(sparseFormatName(w) as Parameters<NativeAddon["sparseWeightKernel"]>[0], batch);
}
