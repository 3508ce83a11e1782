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
  hasChatTemplate,
  parseLlama2cVocabulary,
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
  HfTokenizerFiles,
  HfTokenizerOptions,
  Llama2cLoadOptions,
  Llama2cVocabulary,
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
