// The public API of @sieve/weight-pruning, every export by name. Algorithms (tensor-level) and
// model-level transforms first; the sparse formats and kernels append their lines below.
export {
  applyMask,
  maskSparsity,
  zeroFraction,
  parseNmPattern,
  checkNmPattern,
  formatNmPattern,
  nmPruneCount,
  nmSparsity,
  isNmSparse,
  firstNmViolation,
  maskPerRow,
  maskOverall,
  maskNm,
  magnitudeScores,
  magnitudePrune,
  magnitudePruneGlobal,
  wandaScores,
  wandaMask,
  wandaPrune,
  columnNorms,
  normsFromSumSquares,
  sparseGptPrune,
  cholesky,
  choleskyUpper,
  choleskySolveInPlace,
  inverseSpd,
  invertLower,
  NotPositiveDefiniteError,
  quadraticError,
  outputError,
  relativeOutputError,
  layerOutput,
  gramOf,
  reconstructKeptWeights,
  outlierRatio,
  owlAllocation,
  uniformAllocation,
  keepRows,
  keepColumns,
  keepEntries,
  highestIndices,
  expandRanges,
  mlpChannelScores,
  selectMlpChannels,
  shrinkMlp,
  attentionHeadScores,
  selectHeads,
  shrinkAttention,
  blockInfluence,
  blocksToRemove,
} from "./algorithms/index.js";
export type {
  WeightMatrix,
  NmPattern,
  PruneTarget,
  PrunedWeight,
  MagnitudeScope,
  SparseGptOptions,
  SparseGptResult,
  ReconstructOptions,
  OwlOptions,
  MlpWeights,
  AttentionWeights,
  HeadLayout,
  HeadPruningUnit,
  KeptHeads,
} from "./algorithms/index.js";
export {
  pruneModel,
  pruneStructured,
  checkpointWeightsOf,
  prunableLinears,
  blockOf,
  modelWeightCount,
  readDenseLinear,
  denseLinearOf,
} from "./model/index.js";
export type {
  StructuredPruning,
  StructuredPruneOptions,
  StructuredPruneReport,
  StructuredPruneResult,
  DenseLinearWeights,
  PruneMethod,
  MagnitudeModelScope,
  SparsityAllocation,
  PruneModelOptions,
  PruneProgress,
  PrunedLinear,
  LayerPruneReport,
  PruneReport,
  PruneResult,
} from "./model/index.js";
// Sparse weight formats (N:M, bitmap, CSR, blocked CSR, chunked CSR), their kernels, layers and pruned checkpoints.
export { compressNm, decompressNm, validateNm, forEachNmSlot, nmGeometry, nmFormatName, isSupportedNm, SUPPORTED_NM_PATTERNS } from "./formats/nm.js";
export { compressBitmap, decompressBitmap, validateBitmap, forEachBitmapEntry } from "./formats/bitmap.js";
export { compressCsr, decompressCsr, validateCsr, forEachCsrEntry, CSR_MAX_COLS } from "./formats/csr.js";
export { compressBlockedCsr, decompressBlockedCsr, validateBlockedCsr, forEachBcsrEntry, bcsrBlocks, BCSR_BLOCK } from "./formats/bcsr.js";
export { compressCsr8, decompressCsr8, validateCsr8, forEachCsr8Entry, CSR8_CHUNK, CSR8_SPAN, CSR8_MAX_COLS } from "./formats/csr8.js";
export { compressUnstructured, chooseUnstructuredFormat } from "./formats/unstructured.js";
export { sparseFormatName, sparseValueDtype, sparseWeightBytes, sparseWeightSparsity, decompressSparseWeight, validateSparseWeight } from "./formats/sparse-weight.js";
export { VALUE_DTYPE_CODE, denseReader, valueAt } from "./formats/values.js";
export { sparseLinearReference } from "./kernels/reference/sparse-linear.js";
export { sparseLinearNative, nativeSparseKernelName } from "./kernels/native.js";
export { SparseLinear, NmSparseLinear, UnstructuredSparseLinear, sparseLinearOf } from "./layers/sparse-linear.js";
export { chooseSparseKernels } from "./layers/kernel-choice.js";
export { sparseLinearFactory } from "./layers/factory.js";
export { savePrunedCheckpoint } from "./checkpoint/save.js";
export { writePackedCheckpoint } from "./checkpoint/write.js";
export { densifyPackedCheckpoint, type DensifiedCheckpoint } from "./checkpoint/densify.js";
export { sparseWeightTensors, sparseWeightFromTensors, isSparseWeightTensor, SparseTensorError } from "./checkpoint/tensors.js";
export { packedMetadata, readPackedWeights, readRecipe, SIEVE_FORMAT_VERSION, SIEVE_FORMAT_KEY, SIEVE_PACKED_KEY, SIEVE_RECIPE_KEY, PACKED_FORMATS } from "./checkpoint/metadata.js";
export { weightNameOf, layerNameOf } from "./checkpoint/names.js";
export type { NmWeight } from "./formats/nm.js";
export type { BitmapWeight } from "./formats/bitmap.js";
export type { CsrWeight } from "./formats/csr.js";
export type { BlockedCsrWeight } from "./formats/bcsr.js";
export type { Csr8Weight } from "./formats/csr8.js";
export type { UnstructuredChoice } from "./formats/unstructured.js";
export type { SparseWeight, UnstructuredWeight, UnstructuredFormat } from "./formats/sparse-weight.js";
export type { SparseValueDtype, SparseValues, DenseWeight, Decompressed } from "./formats/values.js";
export type { SparseLinearOptions } from "./layers/sparse-linear.js";
export type { SparseKernelChoice } from "./layers/kernel-choice.js";
export type { PrunedLayerToSave, SavePrunedOptions } from "./checkpoint/save.js";
export type { WritePackedOptions, WrittenCheckpoint } from "./checkpoint/write.js";
export type { PackedFormatName } from "./checkpoint/metadata.js";
