// The serving runtime's public surface, every export by name (apps/server/src/index.ts re-exports it).
export {
  startServer,
} from "./start-server.js";
export type {
  ServeOptions,
  SieveServer,
} from "./start-server.js";
export {
  SERVER_DEFAULTS,
} from "./server-options.js";
export type {
  ServerOptions,
} from "./server-options.js";
export {
  DEFAULT_CHAT_TEMPLATE,
  DEFAULT_MODEL_NAME,
  DEFAULT_MODEL_SPEC,
  ensureDefaultModelDir,
  writeTinyChatModel,
} from "./default-model.js";
export {
  ApiError,
} from "./api-error.js";
export type {
  OpenAiErrorBody,
} from "./api-error.js";
export type {
  ServingModel,
} from "./serving-model.js";
export type {
  Phase,
} from "./serving-state.js";
