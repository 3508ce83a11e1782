// The library surface of @sieve/server (small for now): the CLI as a function, and the bench harness.
export { runCli, buildProgram } from "./cli/program.js";
export type { CliIo, TextSink } from "./cli/io.js";
export { runBench, measureDecode, measurePrefill, profileDecode, decodeBytesPerToken, measureCeilings, rooflineDecodeTokS, syntheticTokenIds, DECODE_BYTES_FORMULA } from "./bench/index.js";
export type { BenchOptions, BenchReport, DecodeMeasurement, PrefillMeasurement, DecodeProfile, DecodeBytes, MachineCeilings, TimedRun } from "./bench/index.js";
