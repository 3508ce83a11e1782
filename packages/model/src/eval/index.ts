export { evaluatePerplexity } from "./perplexity.js";
export type { PerplexityResult } from "./perplexity.js";
export { compareModels } from "./compare.js";
export type { ModelComparison } from "./compare.js";
export type { EvalWindowOptions } from "./options.js";
export type { EvalTokens, BosPolicy } from "./inputs.js";
export { splitDocuments, readDocuments, tokenizeDocuments, TINYSTORIES_SEPARATOR } from "./documents.js";
export { planWindows } from "./windows.js";
export type { ScoringWindow } from "./windows.js";
