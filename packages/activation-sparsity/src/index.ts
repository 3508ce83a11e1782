// The public API of @sieve/activation-sparsity, every export by name.
// TEAL and CATS (this block); DejaVu appends its own exports below.
export {
  activationKernelsFor,
  nativeActivationKernels,
  referenceActivationKernels,
} from "./kernels/activation-kernels.js";
export type {
  ActivationKernels,
  SparseSplit,
} from "./kernels/activation-kernels.js";
export {
  catsMlpGemv as referenceCatsMlpGemv,
  gatherRowsMatmul as referenceGatherRowsMatmul,
  sparseGemvIm as referenceSparseGemvIm,
  sparseMatmulIm as referenceSparseMatmulIm,
  thresholdSelect as referenceThresholdSelect,
} from "./kernels/reference/activation-sparse.js";
export {
  transposeWeight,
} from "./kernels/input-major.js";
export {
  convertWeight,
} from "./kernels/convert-weight.js";
export {
  MagnitudeHistogram,
} from "./calibration/magnitude-histogram.js";
export {
  BlockRunner,
  concatSamples,
} from "./calibration/block-runner.js";
export {
  DEFAULT_TEAL_DENSE_ABOVE,
} from "./teal/defaults.js";
export {
  SparsityCounter,
} from "./teal/sparsity-counter.js";
export {
  TealLinear,
} from "./teal/teal-linear.js";
export type {
  DenseWeightSource,
  TealLinearDescription,
  TealLinearOptions,
} from "./teal/teal-linear.js";
export {
  ThresholdedLinear,
} from "./teal/thresholded-linear.js";
export type {
  ThresholdedLinearDescription,
} from "./teal/thresholded-linear.js";
export {
  tealGroups,
  weightedSparsity,
} from "./teal/groups.js";
export type {
  TealGroup,
} from "./teal/groups.js";
export {
  DEFAULT_GREEDY_MAX,
  DEFAULT_GREEDY_STEP,
  allocationAt,
  greedyPath,
} from "./teal/greedy-allocation.js";
export type {
  GreedyOptions,
  GreedyPoint,
} from "./teal/greedy-allocation.js";
export {
  BlockErrorProbe,
} from "./teal/block-error.js";
export {
  TealCalibration,
  calibrateTeal,
  collectTealCalibration,
} from "./teal/calibrate.js";
export type {
  CalibrateTealOptions,
  TealCalibrationOptions,
  TealGroupStats,
  TealRecipeOptions,
} from "./teal/calibrate.js";
export {
  CatsMlp,
} from "./cats/cats-mlp.js";
export type {
  CatsMlpDescription,
  CatsMlpOptions,
} from "./cats/cats-mlp.js";
export {
  CatsCalibration,
  calibrateCats,
  collectCatsCalibration,
} from "./cats/calibrate.js";
export type {
  CalibrateCatsOptions,
  CatsCalibrationOptions,
} from "./cats/calibrate.js";
export {
  ACTIVATION_METADATA_KEY,
} from "./recipe/types.js";
export type {
  ActivationMethodRecipe,
  ActivationRecipe,
  CalibrationInfo,
  CatsRecipe,
  OtherActivationRecipe,
  StoreDType,
  TealAllocation,
  TealRecipe,
} from "./recipe/types.js";
export {
  ActivationRecipeError,
  parseActivationRecipe,
} from "./recipe/parse.js";
export {
  RECIPE_FILE_NAME,
  activationMetadata,
  activationRecipeFromMetadata,
  readActivationRecipe,
  writeActivationCheckpoint,
  writeActivationRecipe,
} from "./recipe/files.js";
export {
  applyActivationRecipe,
  registerActivationMethod,
} from "./recipe/apply.js";
export type {
  ActivationMethodApplier,
  ApplyActivationOptions,
  ApplyActivationResult,
} from "./recipe/apply.js";
// DejaVu contextual sparsity (src/dejavu).
export {
  applyDejaVu,
  dejavuHandleOf,
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
  requireDense,
  transposeF32,
} from "./dejavu/dense-weights.js";
export {
  nativeHeadKernel,
  typescriptHeadKernel,
} from "./dejavu/head-kernels.js";
export type {
  HeadKernel,
} from "./dejavu/head-kernels.js";
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
  nativeMlpKernel,
  typescriptMlpKernel,
} from "./dejavu/mlp-kernels.js";
export type {
  MlpKernel,
} from "./dejavu/mlp-kernels.js";
export {
  DEJAVU_FILE_NAME,
  DEJAVU_FORMAT,
  DEJAVU_FORMAT_VERSION,
  dejavuPathFor,
  dejavuTensors,
  loadDejaVuPredictors,
  loadDejaVuPredictorsSync,
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
  applyDejaVuRecipe,
  dejavuRecipe,
  parseDejaVuRecipe,
  registerDejaVuRecipe,
} from "./dejavu/recipe.js";
export type {
  DejaVuRecipe,
} from "./dejavu/recipe.js";
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
