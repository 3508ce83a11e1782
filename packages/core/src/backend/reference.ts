import * as ref from "../ops/reference/index.js";
import { OP_NAMES, type BackendDescription, type KernelBackend } from "./kernels.js";

/**
 * The reference backend: the TypeScript kernels, simple and obviously correct. It is the ground
 * truth of every parity test and the fallback when the native addon cannot be loaded.
 */
export const referenceBackend: KernelBackend = {
  name: "reference",
  describe(): BackendDescription {
    return {
      name: "reference",
      isa: "typescript",
      threads: 1,
      kernels: Object.fromEntries(OP_NAMES.map((op) => [op, "typescript"])),
      notes: [],
    };
  },
  matmul: ref.matmul,
  gemv: ref.gemv,
  add: ref.add,
  mul: ref.mul,
  scale: ref.scale,
  rmsNorm: ref.rmsNorm,
  layerNorm: ref.layerNorm,
  rope: ref.rope,
  softmax: ref.softmax,
  logSoftmax: ref.logSoftmax,
  silu: ref.silu,
  gelu: ref.gelu,
  relu: ref.relu,
  swiglu: ref.swiglu,
  embedding: ref.embedding,
  argmax: ref.argmax,
  topk: ref.topk,
  crossEntropy: ref.crossEntropy,
  pagedKvWrite: ref.pagedKvWrite,
  pagedAttention: ref.pagedAttention,
};
