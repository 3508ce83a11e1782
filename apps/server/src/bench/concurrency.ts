/**
 * `sieve bench --concurrency`: aggregate throughput and latency of the real engine under N
 * concurrent requests, and what prefix caching saves on a shared-prefix workload.
 *
 * Each level runs a closed loop (see concurrency-loop.ts) of fixed-length greedy requests with
 * distinct synthetic prompts on one engine (prefix caching on, as served). The engine comes from
 * `start`, so the CLI measures EngineClient (the worker thread `sieve serve` uses) and tests can
 * pass an in-process LocalEngine.
 */
import type { Engine, EngineOptions, EngineStats } from "../engine/index.js";
import { benchKvBlocks, blocksPerRequest } from "./concurrency-kv.js";
import { runClosedLoop, type ClosedLoopResult } from "./concurrency-loop.js";
import { distinctRequests, sharedPrefixRequests, SyntheticPrompts, type PromptVocabulary } from "./concurrency-workload.js";
import { p50p99 } from "./percentiles.js";
import { RssSampler } from "./rss-sampler.js";
import { loadAverage } from "./timer.js";

/** Starts an engine with the benchmark's pool and caching settings. */
export type StartEngine = (options: EngineOptions) => Promise<Engine>;

export interface SharedPrefixOptions {
  /** Tokens of the common prefix (BOS included). */
  prefixTokens: number;
  /** Distinct tokens after it, per request (default 16). */
  suffixTokens?: number;
  /** Tokens generated per request (default 16: short, so the prefill that caching saves is a visible share of the time). */
  genTokens?: number;
  /** Requests in the workload (default 16). */
  requests?: number;
  /** Requests in flight (default 4). The first wave is admitted together and cannot hit; later ones can. */
  concurrency?: number;
}

export interface ConcurrencyOptions extends PromptVocabulary {
  /** Concurrency levels, e.g. [1, 4, 16, 64] (may be empty when only the shared-prefix workload runs). */
  levels: readonly number[];
  /** Prompt tokens of every request of the levels. */
  promptTokens: number;
  /** Tokens each request generates (exactly: greedy, EOS ignored). */
  genTokens: number;
  /** Requests per level (default: 2 x the level, at least 4). */
  requestsPerLevel?: number;
  /**
   * Runs of each level (default 1), interleaved (1, 4, 16, 1, 4, 16, ...) so that a burst of
   * other work on a shared machine does not land on one level only; the fastest run is reported.
   */
  repeats?: number;
  /** The model's context length (prompt + generated tokens must fit). */
  maxSeqLen: number;
  /** KV blocks of the pool (default: enough for the largest level and the shared-prefix workload to run at once, see concurrency-kv.ts). */
  kvBlocks?: number;
  /** Tokens per KV block (default 16). */
  blockSize?: number;
  /** Also run the shared-prefix workload, once with prefix caching on and once off. */
  sharedPrefix?: SharedPrefixOptions;
  /** How the engine runs, for the report (e.g. "EngineClient (worker thread)"). */
  engineKind: string;
  /** Called before each phase, for progress output. */
  onPhase?: (phase: string) => void;
}

/** One concurrency level. Times in ms, rates in tokens/s. */
export interface ConcurrencyRun {
  concurrency: number;
  /** Generated tokens of all requests / the level's wall time. */
  throughput_tok_s: number;
  ttft_ms_p50: number;
  ttft_ms_p99: number;
  itl_ms_p50: number | null;
  itl_ms_p99: number | null;
  /** throughput_tok_s / that of the first level given (normally 1). */
  scaling: number;
  /** Throughput of every run of the level (see `repeats`); the fields here describe the fastest. */
  throughput_runs_tok_s: number[];
  requests: number;
  generated_tokens: number;
  wall_s: number;
  forward_steps: number;
  /** Tokens the model computed per step (prefill + decode) and tokens sampled per step (the decode batch). */
  computed_tokens_per_step: number;
  sampled_tokens_per_step: number;
  /** Time requests waited in the scheduler's queue (a pool too small for the level shows here, and as preemptions). */
  queue_ms_p50: number;
  queue_ms_p99: number;
  preemptions: number;
  /** Prompt tokens served from the prefix cache (distinct prompts: expected 0). */
  prefix_hit_tokens: number;
  load_average: [number, number, number];
}

/** The shared-prefix workload, with prefix caching on and off. Hit rate = hit tokens / queried tokens (scheduler counters). */
export interface PrefixCacheReport {
  prefix_tokens: number;
  suffix_tokens: number;
  gen_tokens: number;
  requests: number;
  concurrency: number;
  hit_rate: number;
  hit_tokens: number;
  queried_tokens: number;
  hit_rate_off: number;
  hit_tokens_off: number;
  queried_tokens_off: number;
  /** Tokens the model actually computed (what the cache saves). */
  computed_tokens_on: number;
  computed_tokens_off: number;
  ttft_ms_p50_on: number;
  ttft_ms_p50_off: number;
  ttft_ms_p99_on: number;
  ttft_ms_p99_off: number;
  wall_s_on: number;
  wall_s_off: number;
  /** ttft_ms_p50_off / ttft_ms_p50_on. */
  speedup_ttft_p50: number;
  /** wall_s_off / wall_s_on. */
  speedup_wall: number;
  load_average: [number, number, number];
}

/** What `--concurrency` / `--shared-prefix` add to the bench object. */
export interface ConcurrencyReport {
  concurrency: {
    engine: string;
    prompt_tokens: number;
    gen_tokens: number;
    max_seqs: number;
    kv_blocks: number;
    kv_block_size: number;
    kv_bytes: number;
    /** Blocks one request of the levels holds at its longest, and how many such requests the pool holds at once. */
    kv_blocks_per_request: number;
    kv_requests_fit: number;
    /** Largest RSS of the process while the engines ran (the worker's model copy and KV pool included), bytes. */
    peak_rss_bytes: number;
    load_average_before: [number, number, number];
    load_average_after: [number, number, number];
    date: string;
  };
  runs: ConcurrencyRun[];
  prefix_cache?: PrefixCacheReport;
}

const DEFAULT_BLOCK_SIZE = 16;
const DEFAULT_MAX_SEQS = 64;

export async function runConcurrencyBench(start: StartEngine, options: ConcurrencyOptions): Promise<ConcurrencyReport> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const shared = options.sharedPrefix ? resolveShared(options.sharedPrefix) : undefined;
  checkOptions(options, shared);
  const maxLevel = Math.max(0, ...options.levels);
  const shapes = options.levels.map((c) => ({ concurrency: c, promptTokens: options.promptTokens, genTokens: options.genTokens }));
  if (shared) shapes.push({ concurrency: shared.concurrency, promptTokens: shared.prefixTokens + shared.suffixTokens, genTokens: shared.genTokens });
  const kvBlocks = options.kvBlocks ?? benchKvBlocks(shapes, blockSize);
  const engineOptions: EngineOptions = {
    kvBlocks,
    blockSize,
    maxSeqs: Math.max(DEFAULT_MAX_SEQS, maxLevel, shared?.concurrency ?? 0),
    enablePrefixCaching: true,
  };
  const prompts = new SyntheticPrompts(options);
  const rss = new RssSampler();
  const loadBefore = loadAverage();
  const runs: ConcurrencyRun[] = [];
  let on: SharedRun | undefined;
  let off: SharedRun | undefined;
  let kvBytes = 0;
  let peakRss = 0;
  try {
    options.onPhase?.("concurrency: starting the engine");
    const engine = await start(engineOptions);
    kvBytes = engine.info.kvBytes;
    try {
      if (options.levels.length > 0) {
        // Warm-up at the largest level: JIT, weights paged in, scratch buffers at their largest.
        options.onPhase?.("concurrency: warm-up");
        await runClosedLoop(engine, distinctRequests(prompts, "warm", maxLevel, options.promptTokens, 2), maxLevel);
      }
      const repeats = options.repeats ?? 1;
      const byLevel = options.levels.map(() => [] as Measured[]);
      for (let r = 0; r < repeats; r++) {
        for (const [i, level] of options.levels.entries()) {
          options.onPhase?.(`concurrency ${level}${repeats > 1 ? ` (run ${r + 1}/${repeats})` : ""}`);
          const count = options.requestsPerLevel ?? Math.max(4, 2 * level);
          const requests = distinctRequests(prompts, `c${level}-${r}`, count, options.promptTokens, options.genTokens);
          byLevel[i]!.push(await measure(engine, () => runClosedLoop(engine, requests, level)));
        }
      }
      for (const [i, level] of options.levels.entries()) runs.push(levelRun(level, byLevel[i]!, runs[0]?.throughput_tok_s));
      if (shared) {
        options.onPhase?.("shared prefix, prefix caching on");
        on = await runShared(engine, prompts, shared, "on");
      }
    } finally {
      await engine.shutdown();
    }
    if (shared) {
      options.onPhase?.("shared prefix, prefix caching off");
      const engineOff = await start({ ...engineOptions, enablePrefixCaching: false });
      try {
        off = await runShared(engineOff, prompts, shared, "off");
      } finally {
        await engineOff.shutdown();
      }
    }
  } finally {
    peakRss = rss.stop();
  }
  const perRequest = blocksPerRequest(options.promptTokens, options.genTokens, blockSize);
  const report: ConcurrencyReport = {
    concurrency: {
      engine: options.engineKind,
      prompt_tokens: options.promptTokens,
      gen_tokens: options.genTokens,
      max_seqs: engineOptions.maxSeqs!,
      kv_blocks: kvBlocks,
      kv_block_size: blockSize,
      kv_bytes: kvBytes,
      kv_blocks_per_request: perRequest,
      kv_requests_fit: Math.floor(kvBlocks / perRequest),
      peak_rss_bytes: peakRss,
      load_average_before: loadBefore,
      load_average_after: loadAverage(),
      date: new Date().toISOString(),
    },
    runs,
  };
  if (shared && on && off) report.prefix_cache = prefixCacheReport(shared, on, off);
  return report;
}

interface Measured {
  loop: ClosedLoopResult;
  /** Engine counters over the measured part only. */
  delta: StatsDelta;
  load: [number, number, number];
}

interface StatsDelta {
  forwardSteps: number;
  computedTokens: number;
  sampledTokens: number;
  queriedTokens: number;
  hitTokens: number;
}

/** Runs `body` between two stats() snapshots. */
async function measure(engine: Engine, body: () => Promise<ClosedLoopResult>): Promise<Measured> {
  const before = await engine.stats();
  const loop = await body();
  const after = await engine.stats();
  return { loop, delta: statsDelta(before, after), load: loadAverage() };
}

function statsDelta(a: EngineStats, b: EngineStats): StatsDelta {
  return {
    forwardSteps: b.forwardSteps - a.forwardSteps,
    computedTokens: b.computedTokens - a.computedTokens,
    sampledTokens: b.sampledTokens - a.sampledTokens,
    queriedTokens: b.prefixCache.queriedTokens - a.prefixCache.queriedTokens,
    hitTokens: b.prefixCache.hitTokens - a.prefixCache.hitTokens,
  };
}

/** Throughput of one measured run. */
function tokPerS(m: Measured): number {
  return m.loop.requests.reduce((n, r) => n + r.tokens, 0) / (m.loop.wallMs / 1000);
}

/** The level's entry: its fastest run, with every run's throughput listed. */
function levelRun(concurrency: number, all: readonly Measured[], firstThroughput: number | undefined): ConcurrencyRun {
  const m = all.reduce((best, x) => (tokPerS(x) > tokPerS(best) ? x : best));
  const reqs = m.loop.requests;
  const generated = reqs.reduce((n, r) => n + r.tokens, 0);
  const seconds = m.loop.wallMs / 1000;
  const throughput = tokPerS(m);
  const ttft = p50p99(reqs.map((r) => r.ttftMs));
  const itl = p50p99(reqs.flatMap((r) => r.itlMs));
  const queue = p50p99(reqs.map((r) => r.queueMs));
  const steps = Math.max(1, m.delta.forwardSteps);
  return {
    concurrency,
    throughput_tok_s: round(throughput, 2),
    ttft_ms_p50: round(ttft.p50!, 3),
    ttft_ms_p99: round(ttft.p99!, 3),
    itl_ms_p50: itl.p50 === null ? null : round(itl.p50, 3),
    itl_ms_p99: itl.p99 === null ? null : round(itl.p99, 3),
    scaling: round(throughput / (firstThroughput ?? throughput), 2),
    throughput_runs_tok_s: all.map((x) => round(tokPerS(x), 2)),
    requests: reqs.length,
    generated_tokens: generated,
    wall_s: round(seconds, 6),
    forward_steps: m.delta.forwardSteps,
    computed_tokens_per_step: round(m.delta.computedTokens / steps, 2),
    sampled_tokens_per_step: round(m.delta.sampledTokens / steps, 2),
    queue_ms_p50: round(queue.p50!, 2),
    queue_ms_p99: round(queue.p99!, 2),
    preemptions: reqs.reduce((n, r) => n + r.preemptions, 0),
    prefix_hit_tokens: m.delta.hitTokens,
    load_average: m.load,
  };
}

type ResolvedShared = Required<SharedPrefixOptions>;

function resolveShared(s: SharedPrefixOptions): ResolvedShared {
  return { prefixTokens: s.prefixTokens, suffixTokens: s.suffixTokens ?? 16, genTokens: s.genTokens ?? 16, requests: s.requests ?? 16, concurrency: s.concurrency ?? 4 };
}

interface SharedRun {
  measured: Measured;
}

/**
 * The shared-prefix workload on one engine, after a warm-up of the same shape with distinct
 * prompts (so both engines start equally warm and neither has the prefix cached).
 */
async function runShared(engine: Engine, prompts: SyntheticPrompts, s: ResolvedShared, tag: string): Promise<SharedRun> {
  const promptTokens = s.prefixTokens + s.suffixTokens;
  await runClosedLoop(engine, distinctRequests(prompts, `warm-${tag}`, s.concurrency, promptTokens, 2), s.concurrency);
  const requests = sharedPrefixRequests(prompts, `shared-${tag}`, s.requests, s.prefixTokens, s.suffixTokens, s.genTokens);
  return { measured: await measure(engine, () => runClosedLoop(engine, requests, s.concurrency)) };
}

function prefixCacheReport(s: ResolvedShared, on: SharedRun, off: SharedRun): PrefixCacheReport {
  const ttftOn = p50p99(on.measured.loop.requests.map((r) => r.ttftMs));
  const ttftOff = p50p99(off.measured.loop.requests.map((r) => r.ttftMs));
  const rate = (d: StatsDelta): number => (d.queriedTokens === 0 ? 0 : d.hitTokens / d.queriedTokens);
  const a = on.measured.delta;
  const b = off.measured.delta;
  return {
    prefix_tokens: s.prefixTokens,
    suffix_tokens: s.suffixTokens,
    gen_tokens: s.genTokens,
    requests: s.requests,
    concurrency: s.concurrency,
    hit_rate: round(rate(a), 4),
    hit_tokens: a.hitTokens,
    queried_tokens: a.queriedTokens,
    hit_rate_off: round(rate(b), 4),
    hit_tokens_off: b.hitTokens,
    queried_tokens_off: b.queriedTokens,
    computed_tokens_on: a.computedTokens,
    computed_tokens_off: b.computedTokens,
    ttft_ms_p50_on: round(ttftOn.p50!, 3),
    ttft_ms_p50_off: round(ttftOff.p50!, 3),
    ttft_ms_p99_on: round(ttftOn.p99!, 3),
    ttft_ms_p99_off: round(ttftOff.p99!, 3),
    wall_s_on: round(on.measured.loop.wallMs / 1000, 3),
    wall_s_off: round(off.measured.loop.wallMs / 1000, 3),
    speedup_ttft_p50: round(ttftOff.p50! / ttftOn.p50!, 2),
    speedup_wall: round(off.measured.loop.wallMs / on.measured.loop.wallMs, 2),
    load_average: off.measured.load,
  };
}

/** Rejects settings that cannot run, naming the flag to change. */
function checkOptions(o: ConcurrencyOptions, shared: ResolvedShared | undefined): void {
  const positive: Array<[string, number | undefined]> = [
    ["--prompt-tokens", o.promptTokens],
    ["--gen-tokens", o.genTokens],
    ["--requests-per-level", o.requestsPerLevel],
    ["--repeats", o.repeats],
    ["--kv-blocks", o.kvBlocks],
    ...o.levels.map((l): [string, number] => ["--concurrency", l]),
  ];
  if (shared) {
    positive.push(["--shared-prefix", shared.prefixTokens], ["shared-prefix suffix tokens", shared.suffixTokens], ["shared-prefix gen tokens", shared.genTokens]);
    positive.push(["--shared-prefix-requests", shared.requests], ["--shared-prefix-concurrency", shared.concurrency]);
  }
  for (const [flag, v] of positive) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`${flag} must be a positive integer, got ${v}`);
  }
  if (o.levels.length === 0 && !shared) throw new RangeError("nothing to run: give --concurrency levels or --shared-prefix");
  if (o.promptTokens + o.genTokens > o.maxSeqLen) {
    throw new RangeError(`--prompt-tokens ${o.promptTokens} + --gen-tokens ${o.genTokens} exceed the model's context of ${o.maxSeqLen} tokens`);
  }
  if (shared && shared.prefixTokens + shared.suffixTokens + shared.genTokens > o.maxSeqLen) {
    throw new RangeError(`--shared-prefix ${shared.prefixTokens} + ${shared.suffixTokens} suffix + ${shared.genTokens} generated tokens exceed the model's context of ${o.maxSeqLen} tokens`);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
