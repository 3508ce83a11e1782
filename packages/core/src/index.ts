export { Tensor, contiguousStrides, shapeSize, readElement, writeElement } from "./tensor/tensor.js";
export type { Shape } from "./tensor/tensor.js";
export { DTYPES, dtypeBytes, isDType, isFloatDType, allocStorage, viewStorage } from "./tensor/dtype.js";
export type { DType, NumericDType, Storage, StorageOf } from "./tensor/dtype.js";
export {
  f32ToF16Bits,
  f16BitsToF32,
  f32ToBf16Bits,
  bf16BitsToF32,
  f32ArrayToF16,
  f16ArrayToF32,
  f32ArrayToBf16,
  bf16ArrayToF32,
} from "./tensor/half.js";
export { Rng } from "./tensor/rng.js";
export { OP_NAMES, WEIGHT_DTYPE_CODE, ROPE_STYLE_CODE, GELU_CODE } from "./backend/kernels.js";
export type {
  BackendName,
  BackendDescription,
  KernelBackend,
  OpName,
  WeightDType,
  WeightData,
  RopeStyle,
  GeluApproximation,
  PagedAttentionArgs,
  PagedKvWriteArgs,
} from "./backend/kernels.js";
