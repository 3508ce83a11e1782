// The public API of @sieve/activation-sparsity, every export by name (regenerate the lists with tooling/scripts/list-exports.mjs).
// DejaVu contextual sparsity (src/dejavu).
export {
  DEJAVU_KERNEL,
  applyDejaVu,
} from "./dejavu/apply.js";
export type {
  DejaVuHandle,
} from "./dejavu/apply.js";
export {
  collectDejaVuActivations,
} from "./dejavu/collect.js";
export type {
  CollectOptions,
  DejaVuActivations,
} from "./dejavu/collect.js";
export {
  DejaVuAttention,
} from "./dejavu/dejavu-attention.js";
export {
  DejaVuMlp,
} from "./dejavu/dejavu-mlp.js";
export {
  denseBias,
  denseWeightF32,
  transposeF32,
} from "./dejavu/dense-weights.js";
export {
  headSubsetOutput,
  headSubsetQuery,
} from "./dejavu/head-projections.js";
export type {
  HeadProjectionWeights,
} from "./dejavu/head-projections.js";
export {
  downColumnNorms,
  headContributions,
  keepCount,
  neuronContributions,
  topFractionLabels,
  topIndices,
} from "./dejavu/labels.js";
export {
  LookaheadBoard,
} from "./dejavu/lookahead.js";
export {
  DEJAVU_FILE_NAME,
  DEJAVU_FORMAT,
  DEJAVU_FORMAT_VERSION,
  dejavuPathFor,
  dejavuTensors,
  loadDejaVuPredictors,
  predictorsFromTensors,
  saveDejaVuPredictors,
} from "./dejavu/persist.js";
export {
  LowRankPredictor,
} from "./dejavu/predictor.js";
export {
  DEJAVU_LOOKAHEAD,
  blocksPredictedFrom,
  checkPredictorsFit,
  dejavuShapeOf,
  predictorSourceBlock,
} from "./dejavu/predictors.js";
export type {
  DejaVuBlockPredictors,
  DejaVuPredictors,
  DejaVuShape,
} from "./dejavu/predictors.js";
export {
  selectionRecall,
} from "./dejavu/recall.js";
export type {
  SelectionRecall,
} from "./dejavu/recall.js";
export {
  DEFAULT_DENSE_ABOVE_ROWS,
  DejaVuRuntime,
} from "./dejavu/runtime.js";
export type {
  DejaVuBatchPolicy,
  DejaVuOptions,
  DejaVuSelectEvent,
  DejaVuSelection,
  DejaVuStats,
} from "./dejavu/runtime.js";
export {
  sparseSwiGlu,
} from "./dejavu/sparse-swiglu.js";
export type {
  SparseSwiGluWeights,
} from "./dejavu/sparse-swiglu.js";
export {
  trainDejaVu,
  trainDejaVuFromActivations,
} from "./dejavu/train-dejavu.js";
export type {
  DejaVuTrainOptions,
  DejaVuTrainReport,
  DejaVuTrainResult,
  PredictorReport,
} from "./dejavu/train-dejavu.js";
export {
  bceLoss,
  trainPredictor,
} from "./dejavu/trainer.js";
export type {
  EpochRecord,
  LabeledRows,
  PredictorTrainOptions,
  PredictorTrainResult,
} from "./dejavu/trainer.js";
