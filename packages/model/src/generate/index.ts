export { Sequence, DEFAULT_PREFILL_CHUNK } from "./sequence.js";
export type { SequenceOptions } from "./sequence.js";
export { generate } from "./generate.js";
export { generateText } from "./generate-text.js";
export type { GeneratedText } from "./generate-text.js";
export { resolveGenerateRequest, ContextOverflowError } from "./options.js";
export type { GenerateOptions, ResolvedGenerateRequest } from "./options.js";
export type { GenerateEvent, GenerateTokenEvent, GenerateFinishEvent, FinishReason, Usage } from "./events.js";
export { StopStringMatcher } from "./stop-strings.js";
