/** The TypeScript reference kernels: the ground truth every other backend is tested against. */
export { matmul, gemv } from "./matmul.js";
export { add, mul, scale, silu, gelu, relu, swiglu, siluScalar, geluErfScalar, geluTanhScalar } from "./elementwise.js";
export { erf } from "./erf.js";
export { rmsNorm, layerNorm } from "./norm.js";
export { rope, ropeInvFreq } from "./rope.js";
export type { RopeFrequencyParams, RopeScaling, Llama3RopeScaling, LinearRopeScaling } from "./rope.js";
export { softmax, logSoftmax, rowLogSumExp } from "./softmax.js";
export { embedding } from "./embedding.js";
export { argmax, topk } from "./select.js";
export { crossEntropy } from "./loss.js";
export { pagedKvWrite, pagedAttention, checkPagedAttention } from "./attention.js";
export { widenWeights, checkWeight } from "./weights.js";
