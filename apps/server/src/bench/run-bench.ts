import { applyThreads, backendReport, weightMemoryReport, type WeightMemoryReport, checkpointDtype, linearKernels, nativeForCeilings, parameterCount, type BenchModel } from "./bench-model.js";
import { measureDecode } from "./decode.js";
import { profileDecode, type DecodeProfile } from "./decode-profile.js";
import { measurePrefill } from "./prefill.js";
import { profilePrefill, type PrefillProfile } from "./prefill-profile.js";
import { decodeBytesPerToken, measureReadBandwidth, prefillFlops, rooflineDecodeTokS } from "./roofline.js";
import { syntheticTokenIds } from "./synthetic-tokens.js";
import { loadAverage, peakRssBytes } from "./timer.js";

export interface BenchOptions {
  /** Prompt before the timed decode (default 16). */
  promptTokens?: number;
  /** Decode steps timed (default 128). */
  genTokens?: number;
  /** Tokens of the timed prefill (default 512; 0 skips it). */
  prefillTokens?: number;
  /** Kernel threads (default: the backend's current count). */
  threads?: number;
  /** Timed runs of each measurement; the fastest is reported (default 1). */
  repeats?: number;
  /** Also run a profiled decode pass and report where the time goes (default false). */
  profile?: boolean;
  /** Measure the machine's bandwidth and FMA ceilings (default true; needs the native addon). */
  ceilings?: boolean;
  /** Seconds the checkpoint took to load, reported as load_ms. */
  loadSeconds?: number;
  /** Called before each phase, for progress output. */
  onPhase?: (phase: string) => void;
}

/** What `sieve bench --json` prints. Rates are tokens per second; bytes are bytes. */
export interface BenchReport {
  model: string;
  format: string;
  architecture: string;
  dtype: string;
  parameters: number;
  backend: ReturnType<typeof backendReport>;
  kernels: { linears: Record<string, number>; lm_head: string; ops: Record<string, string> };
  threads: number;
  load_ms: number | null;
  prompt_tokens: number;
  gen_tokens: number;
  prefill_tokens: number;
  prefill_chunk: number | null;
  repeats: number;
  decode_tok_s: number;
  decode_runs_tok_s: number[];
  decode_ms_per_token: number;
  prefill_tok_s: number | null;
  prefill_runs_tok_s: number[];
  prefill_gflops: number | null;
  weight_bytes: number;
  bytes_per_token: number;
  bytes_per_token_parts: { linears: number; lm_head: number; embedding_row: number; excluded_norms: number; excluded_kv_per_position: number };
  bytes_per_token_formula: string;
  /** The higher of the two probes (before and after the timed decode). */
  read_bandwidth_gbs: number | null;
  /** Both probes, GB/s: [before the decode, after it]; far apart means the machine was disturbed. */
  read_bandwidth_probes_gbs: number[];
  fma_peak_gflops: number | null;
  roofline_decode_tok_s: number | null;
  decode_pct_of_roofline: number | null;
  prefill_pct_of_fma_peak: number | null;
  peak_rss_bytes: number;
  /** Where the weights live (2 MiB pages or plain arrays), read after the runs. */
  weight_memory: WeightMemoryReport;
  load_average: [number, number, number];
  date: string;
  /** The greedy continuation of the synthetic prompt (first tokens), for cross-engine checks. */
  greedy_tokens: number[];
  prompt_ids: number[];
  profile?: DecodeProfile;
  prefill_profile?: PrefillProfile;
}

const GREEDY_TOKENS_REPORTED = 16;

/**
 * The `sieve bench` measurement on a loaded checkpoint: batch-1 greedy decode, one chunked
 * prefill, the machine's ceilings measured in the same run with the same threads, and the
 * decode roofline (measured read bandwidth / weight bytes read per token).
 */
export function runBench(target: BenchModel, options: BenchOptions = {}): BenchReport {
  const { checkpoint, model, backend } = target;
  const promptTokens = options.promptTokens ?? 16;
  const genTokens = options.genTokens ?? 128;
  const prefillTokens = options.prefillTokens ?? 512;
  const repeats = options.repeats ?? 1;
  const c = checkpoint.config;
  checkLengths(c.maxSeqLen, promptTokens, genTokens, prefillTokens, repeats);

  const threads = applyThreads(backend.current, options.threads);
  const bytes = decodeBytesPerToken(model);
  const promptIds = syntheticTokenIds(promptTokens, c.vocabSize, c.bosTokenId);

  const prefillIds = prefillTokens > 0 ? syntheticTokenIds(prefillTokens, c.vocabSize, c.bosTokenId, 2) : [];
  const native = options.ceilings === false ? undefined : nativeForCeilings(backend.current);

  // Warm up first (weights paged in, KV cache and scratch buffers at their largest), then take the
  // peak RSS: the bandwidth probe below allocates 1 GiB of its own, which is not the model's.
  options.onPhase?.("warm-up");
  measureDecode(model, promptIds, 1, 1);
  if (prefillTokens > 0) measurePrefill(model, prefillIds, 1);
  const peakRss = peakRssBytes();

  // The machine is shared: bandwidth is probed right before and right after the timed decode, and
  // the roofline uses the higher (least disturbed) value, as the decode reports its fastest run.
  if (native) options.onPhase?.("ceilings");
  const bandwidthBefore = native ? measureReadBandwidth(native, threads) : undefined;
  const fmaPeak = native ? native.addon.measureFmaPeak(threads, 300) : undefined;
  options.onPhase?.("decode");
  const decode = measureDecode(model, promptIds, genTokens, repeats);
  const bandwidthAfter = native ? measureReadBandwidth(native, threads) : undefined;
  let prefill: ReturnType<typeof measurePrefill> | undefined;
  if (prefillTokens > 0) {
    options.onPhase?.("prefill");
    prefill = measurePrefill(model, prefillIds, repeats);
  }
  let profile: DecodeProfile | undefined;
  let prefillProfile: PrefillProfile | undefined;
  if (options.profile) {
    options.onPhase?.("profile");
    profile = profileDecode(model, backend, promptIds, genTokens, bytes);
    if (prefillTokens > 0) prefillProfile = profilePrefill(model, backend, prefillIds);
  }

  const ceilings =
    bandwidthBefore !== undefined && bandwidthAfter !== undefined && fmaPeak !== undefined
      ? { readBandwidthGBs: Math.max(bandwidthBefore, bandwidthAfter), fmaPeakGflops: fmaPeak, threads }
      : undefined;
  const roofline = ceilings ? rooflineDecodeTokS(bytes.total, ceilings.readBandwidthGBs) : null;
  const prefillGflops = prefill ? prefillFlops(model, prefillTokens) / prefill.best.seconds / 1e9 : null;
  const describe = backend.current.describe();

  const report: BenchReport = {
    model: checkpoint.source,
    format: checkpoint.format,
    architecture: c.architecture,
    dtype: checkpointDtype(checkpoint),
    parameters: parameterCount(checkpoint),
    backend: backendReport(backend.current),
    kernels: { linears: linearKernels(model), lm_head: model.lmHead.describe().kernel, ops: { ...describe.kernels } },
    threads,
    load_ms: options.loadSeconds === undefined ? null : round(options.loadSeconds * 1000, 1),
    prompt_tokens: promptTokens,
    gen_tokens: genTokens,
    prefill_tokens: prefillTokens,
    prefill_chunk: prefill?.chunkSize ?? null,
    repeats,
    decode_tok_s: round(decode.best.tokPerS, 3),
    decode_runs_tok_s: decode.runs.map((r) => round(r.tokPerS, 3)),
    decode_ms_per_token: round((decode.best.seconds / genTokens) * 1000, 3),
    prefill_tok_s: prefill ? round(prefill.best.tokPerS, 3) : null,
    prefill_runs_tok_s: prefill ? prefill.runs.map((r) => round(r.tokPerS, 3)) : [],
    prefill_gflops: prefillGflops === null ? null : round(prefillGflops, 2),
    weight_bytes: model.weightBytes,
    bytes_per_token: bytes.total,
    bytes_per_token_parts: {
      linears: bytes.linears,
      lm_head: bytes.lmHead,
      embedding_row: bytes.embeddingRow,
      excluded_norms: bytes.excluded.norms,
      excluded_kv_per_position: bytes.excluded.kvPerPosition,
    },
    bytes_per_token_formula: bytes.formula,
    read_bandwidth_gbs: ceilings ? round(ceilings.readBandwidthGBs, 2) : null,
    read_bandwidth_probes_gbs: bandwidthBefore !== undefined && bandwidthAfter !== undefined ? [round(bandwidthBefore, 2), round(bandwidthAfter, 2)] : [],
    fma_peak_gflops: ceilings ? round(ceilings.fmaPeakGflops, 1) : null,
    roofline_decode_tok_s: roofline === null ? null : round(roofline, 3),
    decode_pct_of_roofline: roofline === null ? null : round((100 * decode.best.tokPerS) / roofline, 1),
    prefill_pct_of_fma_peak: ceilings && prefillGflops !== null ? round((100 * prefillGflops) / ceilings.fmaPeakGflops, 1) : null,
    peak_rss_bytes: peakRss,
    weight_memory: weightMemoryReport(),
    load_average: loadAverage(),
    date: new Date().toISOString(),
    greedy_tokens: decode.greedyTokens.slice(0, GREEDY_TOKENS_REPORTED),
    prompt_ids: promptIds,
  };
  if (profile) report.profile = profile;
  if (prefillProfile) report.prefill_profile = prefillProfile;
  return report;
}

/** Rejects lengths the model cannot run, naming the flag to change. */
function checkLengths(maxSeqLen: number, prompt: number, gen: number, prefill: number, repeats: number): void {
  const positive: Array<[string, number]> = [["--prompt-tokens", prompt], ["--gen-tokens", gen], ["--repeats", repeats]];
  for (const [flag, v] of positive) if (!Number.isInteger(v) || v < 1) throw new RangeError(`${flag} must be a positive integer, got ${v}`);
  if (!Number.isInteger(prefill) || prefill < 0) throw new RangeError(`--prefill-tokens must be a non-negative integer, got ${prefill}`);
  if (prompt + gen > maxSeqLen) {
    throw new RangeError(`--prompt-tokens ${prompt} + --gen-tokens ${gen} exceed the model's context of ${maxSeqLen} tokens`);
  }
  if (prefill > maxSeqLen) throw new RangeError(`--prefill-tokens ${prefill} exceeds the model's context of ${maxSeqLen} tokens`);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
