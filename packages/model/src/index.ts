// The public API of @sieve/model, every export by name (regenerate the lists with tooling/scripts/list-exports.mjs).
export {
  ModelConfigError,
  validateConfig,
} from "./arch/config.js";
export type {
  ModelConfig,
} from "./arch/config.js";
export {
  SUPPORTED_ARCHITECTURES,
  parseHfConfig,
  toHfConfig,
} from "./arch/hf-config.js";
export {
  validateBatch,
} from "./arch/batch.js";
export type {
  ForwardBatch,
} from "./arch/batch.js";
export {
  LlamaModel,
} from "./arch/llama.js";
export type {
  LlamaBlock,
  LlamaModelOptions,
} from "./arch/llama.js";
export {
  runLinear,
} from "./arch/modules.js";
export type {
  AttentionModule,
  MlpModule,
  StepContext,
} from "./arch/modules.js";
export {
  PagedAttention,
  ropeCacheAndAttend,
} from "./arch/attention.js";
export type {
  AttentionShape,
} from "./arch/attention.js";
export {
  SwiGluMlp,
} from "./arch/mlp.js";
export {
  MissingWeightError,
  expectedTensors,
  hfNames,
  matrixWeight,
  vectorWeight,
} from "./arch/weights.js";
export type {
  MatrixWeight,
} from "./arch/weights.js";
export {
  Scratch,
} from "./arch/scratch.js";
export {
  ChatTemplate,
  GgufGpt2Tokenizer,
  GgufLlamaTokenizer,
  GgufTokenType,
  GgufTokenizer,
  HfTokenizer,
  LLAMA2C_BOS_ID,
  LLAMA2C_EOS_ID,
  LLAMA2C_UNK_ID,
  Llama2cTokenizer,
  SENTENCEPIECE_SPACE,
  SUPPORTED_PRETOKENIZERS,
  TokenizerFormatError,
  Utf8StreamDecoder,
  decodeTokens,
  encodeChat,
  ggufVocabularyOfSentencePiece,
  ggufVocabularyOfTokenizerJson,
  hasChatTemplate,
  llama2cGgufVocabulary,
  loadSentencePieceModel,
  parseLlama2cVocabulary,
  parseSentencePieceModel,
  readGgufVocabulary,
  readHfTokenizerFiles,
  tokenizerFromGgufMetadata,
} from "./tokenizer/index.js";
export type {
  ChatMessage,
  ChatTemplateOptions,
  EncodeOptions,
  GgufTokenizerOptions,
  GgufVocabulary,
  HfTokenizerConventions,
  HfTokenizerFiles,
  HfTokenizerOptions,
  Llama2cLoadOptions,
  Llama2cVocabulary,
  SentencePieceModel,
  StreamDecoder,
  StreamDecoderOptions,
  TokenByteSource,
  Tokenizer,
} from "./tokenizer/index.js";
export {
  GREEDY_BELOW_TEMPERATURE,
  MAX_TOP_LOGPROBS,
  Sampler,
  SamplingParamError,
  TokenHistory,
  WIRE_NAMES,
  applyLogitBias,
  applyPresenceFrequencyPenalties,
  applyRepetitionPenalty,
  selectTopK,
  validateSamplingParams,
} from "./sampling/index.js";
export type {
  ResolvedSamplingParams,
  SampledToken,
  SamplerOptions,
  SamplingParams,
  TokenLogprob,
} from "./sampling/index.js";
export {
  ContextOverflowError,
  DEFAULT_PREFILL_CHUNK,
  Sequence,
  StopStringMatcher,
  generate,
  generateText,
  resolveGenerateRequest,
} from "./generate/index.js";
export type {
  FinishReason,
  GenerateEvent,
  GenerateFinishEvent,
  GenerateOptions,
  GenerateTokenEvent,
  GeneratedText,
  ResolvedGenerateRequest,
  SequenceOptions,
  Usage,
} from "./generate/index.js";
export {
  TINYSTORIES_SEPARATOR,
  compareModels,
  evaluatePerplexity,
  planWindows,
  readDocuments,
  splitDocuments,
  tokenizeDocuments,
} from "./eval/index.js";
export type {
  BosPolicy,
  EvalTokens,
  EvalWindowOptions,
  ModelComparison,
  PerplexityResult,
  ScoringWindow,
} from "./eval/index.js";
export type {
  GenerationDefaults,
  LoadOptions,
  LoadedCheckpoint,
} from "./loaders/types.js";
export {
  CheckpointFormatError,
} from "./loaders/format-error.js";
export {
  LLAMA2C_MAGIC,
  llama2cConfig,
  loadLlama2c,
  parseLlama2cHeader,
} from "./loaders/llama2c.js";
export type {
  Llama2cHeader,
} from "./loaders/llama2c.js";
export {
  ggufConfig,
  loadGguf,
  readGgufHeader,
} from "./loaders/gguf.js";
export type {
  GgufHeader,
} from "./loaders/gguf.js";
export {
  ggufNumber,
  ggufString,
  ggufTokenId,
  shortestFloat32,
} from "./loaders/gguf-metadata.js";
export type {
  GgufMetadata,
  GgufTypedValue,
} from "./loaders/gguf-metadata.js";
export {
  ggufMetadataOf,
  ggufTensorsOf,
  padVocab,
  writeGguf,
} from "./loaders/gguf-writer.js";
export type {
  GgufVocab,
  WriteGgufOptions,
} from "./loaders/gguf-writer.js";
export {
  encodeGgufHeader,
  writeGgufFile,
} from "./loaders/gguf-encode.js";
export type {
  GgufKvValue,
  GgufTensorToWrite,
} from "./loaders/gguf-encode.js";
export {
  GGML_TYPE,
  GGUF_ARCHITECTURES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE,
  Q8_0_BLOCK,
  Q8_0_BLOCK_BYTES,
  ggmlTypeName,
  ggufArchitectureOf,
  ggufNameOfHf,
  hfNameOfGguf,
  permuteRopeRows,
} from "./loaders/gguf-format.js";
export {
  DEFAULT_MAX_SHARD_BYTES,
  SYNTH_PRESETS,
  synthCheckpoint,
  synthPresetConfig,
  writeSynthHfDir,
} from "./loaders/synth.js";
export type {
  SynthDType,
  SynthPresetName,
  WriteSynthOptions,
  WrittenSynthDir,
} from "./loaders/synth.js";
export {
  loadHfDirectory,
} from "./loaders/hf-dir.js";
export type {
  HfDirectoryCheckpoint,
  HfDirectoryLoadOptions,
} from "./loaders/hf-dir.js";
export {
  DEFAULT_SHARD_BYTES,
  splitIntoShards,
  writeHfDirectory,
} from "./loaders/hf-export.js";
export type {
  HfExportDType,
  HfExportOptions,
  HfExportResult,
} from "./loaders/hf-export.js";
export {
  HF_TOKENIZER_FILES,
  tokenizerJsonFiles,
  writeHfTokenizerFiles,
} from "./loaders/hf-tokenizer-write.js";
export type {
  WrittenTokenizerFiles,
} from "./loaders/hf-tokenizer-write.js";
export {
  TOKENIZER_FILE_KINDS,
  loadTokenizerFile,
} from "./loaders/tokenizer-file.js";
export type {
  TokenizerFileOptions,
} from "./loaders/tokenizer-file.js";
export {
  DEFAULT_HF_ENDPOINT,
  HUB_SIDE_FILES,
  HubError,
  HubIntegrityError,
  downloadFromHub,
  hubCacheDir,
  isHubSpec,
  parseHubSpec,
} from "./loaders/hub.js";
export type {
  HubDownloadOptions,
  HubProgressEvent,
  HubSnapshot,
  HubSpec,
} from "./loaders/hub.js";
export {
  ModelSpecError,
  loadCheckpoint,
  resolveModelSpec,
} from "./loaders/spec.js";
export type {
  ModelSpecKind,
  ModelSpecOptions,
  ResolvedModelSpec,
} from "./loaders/spec.js";
export {
  parseGenerationConfig,
  toGenerationConfig,
} from "./loaders/hf-generation.js";
export {
  interleavedToHalfOrder,
  permuteInterleavedToHalf,
} from "./loaders/hf-rope-permute.js";
export {
  InputStatsAccumulator,
  blockLinearPaths,
  calibrationFromModel,
  calibrationFromText,
  calibrationFromTextFile,
  calibrationTokenCount,
  collectBlockInputs,
  linearInputGroups,
  runBlockwise,
  validateCalibrationSamples,
} from "./calibration/index.js";
export type {
  BlockInputCollector,
  BlockwiseOptions,
  BlockwiseProgress,
  BlockwiseResult,
  CalibrationSamples,
  GeneratedCalibrationOptions,
  InputStatsOptions,
  LinearInputStats,
  TextCalibrationOptions,
} from "./calibration/index.js";
