export { Sampler, GREEDY_BELOW_TEMPERATURE } from "./sampler.js";
export type { SamplerOptions, SampledToken } from "./sampler.js";
export { validateSamplingParams, SamplingParamError, WIRE_NAMES, MAX_TOP_LOGPROBS } from "./params.js";
export type { SamplingParams, ResolvedSamplingParams } from "./params.js";
export type { TokenLogprob } from "./logprobs.js";
export { applyLogitBias, applyRepetitionPenalty, applyPresenceFrequencyPenalties } from "./penalties.js";
export { selectTopK } from "./partial-select.js";
export { TokenHistory } from "./token-history.js";
