// The library surface of @sieve/server (small for now): the CLI as a function, and the bench harness.
export { runCli, buildProgram } from "./cli/program.js";
export type { CliIo, TextSink } from "./cli/io.js";
export {
  runBench,
  buildBenchModel,
  measureDecode,
  measurePrefill,
  profileDecode,
  profilePrefill,
  decodeBytesPerToken,
  measureCeilings,
  measureReadBandwidth,
  rooflineDecodeTokS,
  syntheticTokenIds,
  DECODE_BYTES_FORMULA,
} from "./bench/index.js";
export type {
  BenchModel,
  BenchOptions,
  BenchReport,
  DecodeMeasurement,
  PrefillMeasurement,
  DecodeProfile,
  PrefillProfile,
  DecodeBytes,
  MachineCeilings,
  TimedRun,
} from "./bench/index.js";
export {
  EngineClient,
  EngineLoadError,
  EngineCore,
  LocalEngine,
  generateBatch,
  loadEngineModel,
  chooseKvBlocks,
  DEFAULT_KV_MEMORY_BYTES,
  InvalidRequestError,
} from "./engine/index.js";
export type {
  Engine,
  EngineClientOptions,
  RequestStream,
  BatchCompletion,
  BatchPrompt,
  EngineModel,
  LoadEngineModelOptions,
  EngineRequest,
  EngineEvent,
  EngineTokenEvent,
  EngineFinishEvent,
  EngineErrorEvent,
  EngineFinishReason,
  EngineUsage,
  EngineStats,
  EngineInfo,
  EngineOptions,
  EngineLoadOptions,
  EngineLoadProgress,
} from "./engine/index.js";
export {
  startServer,
  SERVER_DEFAULTS,
  DEFAULT_MODEL_SPEC,
  DEFAULT_MODEL_NAME,
  DEFAULT_CHAT_TEMPLATE,
  ensureDefaultModelDir,
  writeTinyChatModel,
  ApiError,
} from "./http/index.js";
export type { ServeOptions, SieveServer, ServerOptions, ServingModel, Phase, OpenAiErrorBody } from "./http/index.js";
export { ServingMetrics, METRIC_PREFIX, reportModelSparsity, isSparsityReporter, DashboardHistory } from "./metrics/index.js";
export type {
  MetricsSnapshot,
  AchievedSparsity,
  AchievedReport,
  LinearReport,
  ModelSparsityReport,
  SparsityReporter,
  SparsityReportingEngine,
  DashboardSample,
  DashboardTotals,
} from "./metrics/index.js";
export { buildModel } from "./compose/build-model.js";
export type { BuildModelOptions, BuiltModel } from "./compose/build-model.js";
