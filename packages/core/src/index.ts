export { Tensor, contiguousStrides, shapeSize, readElement, writeElement } from "./tensor/tensor.js";
export type { Shape } from "./tensor/tensor.js";
export { DTYPES, dtypeBytes, isDType, isFloatDType, allocStorage, viewStorage } from "./tensor/dtype.js";
export type { DType, NumericDType, Storage, StorageAllocator, StorageOf } from "./tensor/dtype.js";
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
export { referenceBackend } from "./backend/reference.js";
export { NativeBackend, loadNativeBackend } from "./backend/native.js";
export type { NativeLoad } from "./backend/native.js";
export { allocWeightStorage, releaseWeightsSoon, setHugePagesByDefault, weightMemoryStatus, describeWeightMemory, processHugePageBytes, HUGE_PAGE_BYTES, SHARED_MIN_BYTES } from "./backend/weight-memory.js";
export type { WeightMemoryStatus } from "./backend/weight-memory.js";
export { CudaBackend, CUDA_OPS } from "./backend/cuda.js";
export { createBackend, getBackend, setBackend, getBackendStatus } from "./backend/select.js";
export type { BackendStatus } from "./backend/select.js";
export { DenseLinear } from "./contracts/linear.js";
export type { LinearLayer, LinearDescription, LinearFactory } from "./contracts/linear.js";
export { ActivationTaps } from "./contracts/taps.js";
export type { ActivationListener } from "./contracts/taps.js";
export { ModuleTree } from "./contracts/module-tree.js";
export type { Slot, SlotKind } from "./contracts/module-tree.js";
export { PagedKvCache, PageAllocator, DEFAULT_PAGE_SIZE } from "./contracts/paged-kv.js";
export type { PagedKvConfig } from "./contracts/paged-kv.js";
export { ropeInvFreq } from "./ops/reference/rope.js";
export type { RopeScaling, RopeFrequencyParams, Llama3RopeScaling, LinearRopeScaling } from "./ops/reference/rope.js";
export {
  SafetensorsFile,
  parseSafetensorsBuffer,
  writeSafetensors,
  serializeSafetensors,
  SafetensorsError,
  SAFETENSORS_ERROR_CODES,
  DEFAULT_MAX_HEADER_BYTES,
} from "./safetensors/index.js";
export type {
  ParseBufferOptions,
  SafetensorsContents,
  TensorsToWrite,
  SafetensorsErrorCode,
  SafetensorsReadOptions,
  SafetensorsHeader,
  TensorInfo as SafetensorsTensorInfo,
} from "./safetensors/index.js";
