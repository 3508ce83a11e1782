/**
 * Reading a model's dense linear layers as Float32 matrices and writing pruned weights back as
 * new dense layers in the original dtype. Pruning never writes into the existing weight buffer:
 * a checkpoint's tensors (possibly shared by other models built from it) stay untouched.
 */
import {
  DenseLinear,
  bf16ArrayToF32,
  f16ArrayToF32,
  f32ArrayToBf16,
  f32ArrayToF16,
  type KernelBackend,
  type LinearLayer,
  type WeightDType,
} from "@sieve/core";
import type { WeightMatrix } from "../algorithms/types.js";

export interface DenseLinearWeights {
  matrix: WeightMatrix;
  dtype: WeightDType;
  bias: Float32Array | null;
}

/** The layer's weight as f32 (the stored array itself when already f32: do not write into it). */
export function readDenseLinear(layer: LinearLayer, path: string): DenseLinearWeights {
  if (!(layer instanceof DenseLinear)) {
    const kind = layer.describe().kind;
    throw new TypeError(`${path} is a "${kind}" layer; pruning reads dense weights, so prune before compressing or sparsifying it`);
  }
  const w = layer.weight;
  const data = layer.dtype === "f32" ? (w as Float32Array) : layer.dtype === "f16" ? f16ArrayToF32(w as Uint16Array) : bf16ArrayToF32(w as Uint16Array);
  return { matrix: { data, rows: layer.outFeatures, cols: layer.inFeatures }, dtype: layer.dtype, bias: layer.bias };
}

/** The f32 values in `dtype` storage (no copy for f32). */
export function toStoredDType(values: Float32Array, dtype: WeightDType): Float32Array | Uint16Array {
  return dtype === "f32" ? values : dtype === "f16" ? f32ArrayToF16(values) : f32ArrayToBf16(values);
}

/** A dense layer holding `weight` in `dtype`. */
export function denseLinearOf(weight: Float32Array, rows: number, cols: number, dtype: WeightDType, bias: Float32Array | null, backend: () => KernelBackend): DenseLinear {
  return new DenseLinear(toStoredDType(weight, dtype), dtype, rows, cols, bias, backend);
}
