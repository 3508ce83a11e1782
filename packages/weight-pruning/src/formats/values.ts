/**
 * Values of a compressed weight: the kept weights, stored as f32 (Float32Array) or f16 (raw bits
 * in a Uint16Array, since Node 20 has no Float16Array). The dense source a converter reads may
 * also be bf16 (checkpoints), which is widened exactly and rounded once to the target dtype.
 */
import { allocWeightStorage, bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from "@sieve/core";

export type SparseValueDtype = "f32" | "f16";
export type SparseValues = Float32Array | Uint16Array;

/** A dense weight [rows, cols] as a converter takes it. P1's pruned layers are f32. */
export interface DenseWeight {
  data: Float32Array | Uint16Array;
  dtype: "f32" | "f16" | "bf16";
  rows: number;
  cols: number;
}

/** The code the native kernels take for a value dtype (0 = f32, 1 = f16). */
export const VALUE_DTYPE_CODE = { f32: 0, f16: 1 } as const satisfies Record<SparseValueDtype, 0 | 1>;

export function allocValues(dtype: SparseValueDtype, length: number): SparseValues {
  return allocWeightStorage(dtype, length);
}

export function valueDtypeOf(values: SparseValues): SparseValueDtype {
  return values instanceof Float32Array ? "f32" : "f16";
}

/** The i-th value as a number (f16 widened exactly). */
export function valueAt(values: SparseValues, i: number): number {
  return values instanceof Float32Array ? values[i]! : f16BitsToF32(values[i]!);
}

/**
 * Returns a function that reads dense element i in the target dtype's representation: the f32
 * value, or f16 bits. f16 -> f16 copies bits (no rounding); anything else rounds once.
 */
export function denseReader(dense: DenseWeight, target: SparseValueDtype): (i: number) => number {
  const d = dense.data;
  if (dense.dtype === "f32") {
    const f = d as Float32Array;
    return target === "f32" ? (i) => f[i]! : (i) => f32ToF16Bits(f[i]!);
  }
  const u = d as Uint16Array;
  if (dense.dtype === "f16") return target === "f16" ? (i) => u[i]! : (i) => f16BitsToF32(u[i]!);
  return target === "f32" ? (i) => bf16BitsToF32(u[i]!) : (i) => f32ToF16Bits(bf16BitsToF32(u[i]!));
}

/** Checks a dense weight and its mask before a conversion; names the converter in the message. */
export function checkDenseAndMask(fn: string, dense: DenseWeight, mask: Uint8Array): void {
  const { rows, cols, data, dtype } = dense;
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(cols) || cols < 0) {
    throw new RangeError(`${fn}: rows and cols must be non-negative integers, got ${rows}x${cols}`);
  }
  if ((dtype === "f32") !== data instanceof Float32Array) {
    throw new TypeError(`${fn}: a ${dtype} weight must be a ${dtype === "f32" ? "Float32Array" : "Uint16Array"}, got ${data.constructor.name}`);
  }
  if (data.length !== rows * cols) throw new RangeError(`${fn}: weight has ${data.length} elements, expected ${rows}x${cols}`);
  if (!(mask instanceof Uint8Array)) throw new TypeError(`${fn}: mask must be a Uint8Array, got ${(mask as object)?.constructor?.name}`);
  if (mask.length !== rows * cols) throw new RangeError(`${fn}: mask has ${mask.length} elements, expected ${rows}x${cols}`);
}

/** A dense f32 weight with its mask, the result of decompressing any format. */
export interface Decompressed {
  weight: Float32Array;
  mask: Uint8Array;
}
