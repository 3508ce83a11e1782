// The engine's public surface, every export by name (apps/server/src/index.ts re-exports it).
export {
  EngineCore,
} from "./engine-core.js";
export type {
  Engine,
} from "./engine.js";
export {
  LocalEngine,
} from "./local-engine.js";
export {
  EngineClient,
  EngineLoadError,
} from "./engine-client.js";
export type {
  EngineClientOptions,
} from "./engine-client.js";
export {
  generateBatch,
} from "./generate-batch.js";
export type {
  BatchCompletion,
  BatchPrompt,
} from "./generate-batch.js";
export {
  loadEngineModel,
} from "./engine-model.js";
export type {
  EngineModel,
  LoadEngineModelOptions,
} from "./engine-model.js";
export type {
  RequestStream,
} from "./request-stream.js";
export {
  DEFAULT_KV_MEMORY_BYTES,
  chooseKvBlocks,
} from "./kv-sizing.js";
export type {
  KvSizingInput,
} from "./kv-sizing.js";
export {
  buildForwardBatch,
} from "./batch-builder.js";
export type {
  BuiltBatch,
} from "./batch-builder.js";
export {
  copyKvBlocks,
} from "./kv-block-copy.js";
export {
  InvalidRequestError,
} from "./request-errors.js";
export type {
  EngineErrorEvent,
  EngineEvent,
  EngineFinishEvent,
  EngineFinishReason,
  EngineInfo,
  EngineLoadOptions,
  EngineLoadProgress,
  EngineOptions,
  EngineRequest,
  EngineStats,
  EngineTokenEvent,
  EngineUsage,
} from "./types.js";
