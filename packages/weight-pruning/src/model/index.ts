export { pruneModel } from "./prune-model.js";
export { pruneStructured } from "./structured.js";
export type { StructuredPruning, StructuredPruneOptions, StructuredPruneReport, StructuredPruneResult } from "./structured.js";
export { checkpointWeightsOf } from "./checkpoint-weights.js";
export { prunableLinears, blockOf, modelWeightCount } from "./slots.js";
export { readDenseLinear, denseLinearOf } from "./dense-linear.js";
export type { DenseLinearWeights } from "./dense-linear.js";
export type {
  PruneMethod,
  MagnitudeModelScope,
  SparsityAllocation,
  PruneModelOptions,
  PruneProgress,
  PrunedLinear,
  LayerPruneReport,
  PruneReport,
  PruneResult,
} from "./types.js";
