/**
 * The recent history the web dashboard draws: one sample per poll interval with throughput
 * (from the engine's token counters), queue and KV state, and latency percentiles of the
 * requests that finished during that interval. A fixed-size ring, so memory stays flat.
 */
import type { EngineStats } from "../engine/index.js";
import type { FinishedRequest, RequestObserver } from "./request-observer.js";

export interface DashboardSample {
  /** Milliseconds since the epoch. */
  t: number;
  running: number;
  waiting: number;
  kvUsage: number;
  kvUsedBlocks: number;
  /** Tokens sampled per second over the interval. */
  generationTokensPerSecond: number;
  /** Tokens run through the model (prefill + decode) per second. */
  computedTokensPerSecond: number;
  requestsPerSecond: number;
  /** Latencies of requests finished in the interval, in milliseconds (null when none finished). */
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  e2eP50Ms: number | null;
  e2eP95Ms: number | null;
  itlMeanMs: number | null;
}

export interface DashboardTotals {
  requests: number;
  promptTokens: number;
  generationTokens: number;
  /** Requests that ended in an error or a timeout. */
  failed: number;
  /** Requests cancelled because the client went away. */
  aborted: number;
}

/** The q-quantile (0..1) of unsorted values, nearest rank; null for none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (x: number | null, digits = 1) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

export class DashboardHistory implements RequestObserver {
  private readonly samples: DashboardSample[] = [];
  private ttfts: number[] = [];
  private e2es: number[] = [];
  private itlSum = 0;
  private itlCount = 0;
  private finishedInWindow = 0;
  private previous: { t: number; sampled: number; computed: number } | undefined;
  readonly totals: DashboardTotals = { requests: 0, promptTokens: 0, generationTokens: 0, failed: 0, aborted: 0 };

  constructor(private readonly capacity = 300) {}

  firstToken(seconds: number): void {
    this.ttfts.push(seconds * 1000);
  }

  interToken(seconds: number): void {
    this.itlSum += seconds * 1000;
    this.itlCount++;
  }

  finished(request: FinishedRequest): void {
    this.e2es.push(request.e2eSeconds * 1000);
    this.finishedInWindow++;
    this.totals.requests++;
    this.totals.promptTokens += request.promptTokens;
    this.totals.generationTokens += request.completionTokens;
    if (request.finishReason === "error" || request.finishReason === "timeout") this.totals.failed++;
    if (request.finishReason === "abort") this.totals.aborted++;
  }

  /** Closes the current interval with the engine's stats at time `t`. */
  record(stats: EngineStats, t: number): DashboardSample {
    const prev = this.previous;
    const dt = prev ? Math.max(1e-3, (t - prev.t) / 1000) : 0;
    const rate = (now: number, before: number | undefined) => (prev && before !== undefined ? Math.max(0, now - before) / dt : 0);
    const sample: DashboardSample = {
      t,
      running: stats.running,
      waiting: stats.waiting,
      kvUsage: stats.kv.usage,
      kvUsedBlocks: stats.kv.usedBlocks,
      generationTokensPerSecond: round(rate(stats.sampledTokens, prev?.sampled))!,
      computedTokensPerSecond: round(rate(stats.computedTokens, prev?.computed))!,
      requestsPerSecond: prev ? round(this.finishedInWindow / dt, 2)! : 0,
      ttftP50Ms: round(quantile(this.ttfts, 0.5)),
      ttftP95Ms: round(quantile(this.ttfts, 0.95)),
      e2eP50Ms: round(quantile(this.e2es, 0.5)),
      e2eP95Ms: round(quantile(this.e2es, 0.95)),
      itlMeanMs: this.itlCount ? round(this.itlSum / this.itlCount, 2) : null,
    };
    this.previous = { t, sampled: stats.sampledTokens, computed: stats.computedTokens };
    this.ttfts = [];
    this.e2es = [];
    this.itlSum = 0;
    this.itlCount = 0;
    this.finishedInWindow = 0;
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
    return sample;
  }

  /** The samples after time `since` (all of them by default), oldest first. */
  recent(since = 0): DashboardSample[] {
    return this.samples.filter((s) => s.t > since);
  }
}
