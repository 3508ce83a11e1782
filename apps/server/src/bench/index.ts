// The benchmark harness behind `sieve bench` (and the peer comparisons in tooling/peers).
export { runBench } from "./run-bench.js";
export type { BenchOptions, BenchReport } from "./run-bench.js";
export { measureDecode, fastest } from "./decode.js";
export type { DecodeMeasurement, TimedRun } from "./decode.js";
export { measurePrefill } from "./prefill.js";
export type { PrefillMeasurement } from "./prefill.js";
export { profileDecode } from "./decode-profile.js";
export type { DecodeProfile } from "./decode-profile.js";
export { profilePrefill } from "./prefill-profile.js";
export type { PrefillProfile } from "./prefill-profile.js";
export { decodeBytesPerToken, measureCeilings, measureReadBandwidth, rooflineDecodeTokS, prefillFlops, DECODE_BYTES_FORMULA } from "./roofline.js";
export type { DecodeBytes, MachineCeilings } from "./roofline.js";
export { syntheticTokenIds } from "./synthetic-tokens.js";
export { buildBenchModel, benchBackend, applyThreads, backendReport, linearKernels, checkpointDtype, parameterCount } from "./bench-model.js";
export type { BenchModel } from "./bench-model.js";
export { SwitchableBackend } from "./switchable-backend.js";
export { GreedySequence } from "./greedy-sequence.js";
export { loadAverage, peakRssBytes, nowSeconds } from "./timer.js";
