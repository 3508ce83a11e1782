/**
 * Prometheus metrics at GET /metrics, named after vLLM's (vllm:num_requests_running ->
 * sieve:num_requests_running; Prometheus allows ':' in metric names), each with a model_name
 * label. Request counters and latency histograms are fed by the HTTP layer as requests run;
 * scheduler gauges and counters are read from the latest engine stats at scrape time.
 *
 * Technique gauges (see docs/server.md):
 *   sieve:weight_sparsity{layer}       describe().weightSparsity of every linear slot (0 for dense)
 *   sieve:model_weight_sparsity        the same over all linear weights, weighted by size
 *   sieve:activation_sparsity{layer}   only layers implementing SparsityReporter with kind "activation"
 *   sieve:kv_sparsity{layer}           only layers implementing SparsityReporter with kind "kv"
 * With no technique on, the activation and KV gauges have no series at all (absent, not 0).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { EngineStats } from "../engine/index.js";
import type { ModelSparsityReport } from "./model-report.js";
import type { FinishedRequest, RequestObserver } from "./request-observer.js";

export const METRIC_PREFIX = "sieve:";

export interface MetricsSnapshot {
  stats: EngineStats | undefined;
  report: ModelSparsityReport | undefined;
}

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const ITL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5];
const E2E_BUCKETS = [0.01, 0.05, 0.1, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960];

export class ServingMetrics implements RequestObserver {
  readonly registry = new Registry();
  private readonly labels: { model_name: string };
  private readonly promptTokens: Counter<"model_name">;
  private readonly generationTokens: Counter<"model_name">;
  private readonly requestsFinished: Counter<"model_name" | "finished_reason">;
  private readonly ttft: Histogram<"model_name">;
  private readonly itl: Histogram<"model_name">;
  private readonly e2e: Histogram<"model_name">;
  private readonly queueTime: Histogram<"model_name">;

  constructor(
    modelName: string,
    /** The latest engine stats and model report (refreshed before each scrape). */
    private readonly snapshot: () => MetricsSnapshot,
  ) {
    this.labels = { model_name: modelName };
    const registers = [this.registry];
    const name = (n: string) => `${METRIC_PREFIX}${n}`;
    const labelNames = ["model_name"] as const;

    this.promptTokens = new Counter({ name: name("prompt_tokens_total"), help: "Prompt tokens processed (per engine request).", labelNames, registers });
    this.generationTokens = new Counter({ name: name("generation_tokens_total"), help: "Tokens generated (a final stop token included).", labelNames, registers });
    this.requestsFinished = new Counter({ name: name("request_success_total"), help: "Engine requests finished, by finish reason.", labelNames: ["model_name", "finished_reason"], registers });
    this.ttft = new Histogram({ name: name("time_to_first_token_seconds"), help: "Time from submission to the first token.", labelNames, buckets: TTFT_BUCKETS, registers });
    this.itl = new Histogram({ name: name("inter_token_latency_seconds"), help: "Time between two tokens of one request.", labelNames, buckets: ITL_BUCKETS, registers });
    this.e2e = new Histogram({ name: name("e2e_request_latency_seconds"), help: "Time from submission to the end of the request.", labelNames, buckets: E2E_BUCKETS, registers });
    this.queueTime = new Histogram({ name: name("request_queue_time_seconds"), help: "Time requests spent waiting in the scheduler's queue.", labelNames, buckets: E2E_BUCKETS, registers });
    this.registerSchedulerMetrics(name, registers);
    this.registerSparsityMetrics(name, registers);
  }

  firstToken(seconds: number): void {
    this.ttft.observe(this.labels, seconds);
  }

  interToken(seconds: number): void {
    this.itl.observe(this.labels, seconds);
  }

  finished(request: FinishedRequest): void {
    this.promptTokens.inc(this.labels, request.promptTokens);
    this.generationTokens.inc(this.labels, request.completionTokens);
    this.requestsFinished.inc({ ...this.labels, finished_reason: request.finishReason });
    this.e2e.observe(this.labels, request.e2eSeconds);
    this.queueTime.observe(this.labels, request.queueSeconds);
  }

  /** The text exposition format. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Gauges (and cumulative counters kept by the scheduler) read from the stats at scrape time. */
  private registerSchedulerMetrics(name: (n: string) => string, registers: Registry[]): void {
    const labels = this.labels;
    const stats = () => this.snapshot().stats;
    const gauge = (metric: string, help: string, read: (s: EngineStats) => number) =>
      new Gauge({
        name: name(metric),
        help,
        labelNames: ["model_name"],
        registers,
        collect() {
          const s = stats();
          if (s) this.set(labels, read(s));
        },
      });
    // The scheduler keeps these totals itself; mirror them as counters (reset + inc keeps them monotonic).
    const counter = (metric: string, help: string, read: (s: EngineStats) => number) =>
      new Counter({
        name: name(metric),
        help,
        labelNames: ["model_name"],
        registers,
        collect() {
          const s = stats();
          if (!s) return;
          this.reset();
          this.inc(labels, read(s));
        },
      });
    gauge("num_requests_running", "Sequences running in the engine.", (s) => s.running);
    gauge("num_requests_waiting", "Sequences waiting to be scheduled (preempted ones included).", (s) => s.waiting);
    gauge("num_requests_preempted", "Waiting sequences that were preempted.", (s) => s.preempted);
    gauge("kv_cache_usage_perc", "KV cache usage: used blocks / total blocks (1 = full).", (s) => s.kv.usage);
    counter("prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.", (s) => s.prefixCache.queriedTokens);
    counter("prefix_cache_hits_total", "Prompt tokens whose KV came from the prefix cache.", (s) => s.prefixCache.hitTokens);
    counter("num_preemptions_total", "Preemptions so far.", (s) => s.totalPreemptions);
    new Gauge({
      name: name("kv_cache_blocks"),
      help: "KV blocks by state: used (held by sequences), cached (idle, kept for prefix reuse), free.",
      labelNames: ["model_name", "state"],
      registers,
      collect() {
        const s = stats();
        if (!s) return;
        this.set({ ...labels, state: "used" }, s.kv.usedBlocks);
        this.set({ ...labels, state: "cached" }, s.kv.cachedBlocks);
        this.set({ ...labels, state: "free" }, s.kv.freeBlocks);
      },
    });
  }

  private registerSparsityMetrics(name: (n: string) => string, registers: Registry[]): void {
    const labels = this.labels;
    const report = () => this.snapshot().report;
    new Gauge({
      name: name("model_weight_sparsity"),
      help: "Fraction of zero (not stored) weights over all linear layers of the loaded model.",
      labelNames: ["model_name"],
      registers,
      collect() {
        const r = report();
        if (r) this.set(labels, r.overallWeightSparsity);
      },
    });
    new Gauge({
      name: name("weight_sparsity"),
      help: "Weight sparsity of each linear layer (describe().weightSparsity).",
      labelNames: ["model_name", "layer", "kind"],
      registers,
      collect() {
        for (const l of report()?.linears ?? []) this.set({ ...labels, layer: l.path, kind: l.kind }, l.weightSparsity);
      },
    });
    for (const kind of ["activation", "kv"] as const) {
      new Gauge({
        name: name(`${kind}_sparsity`),
        help: `${kind === "kv" ? "KV" : "Activation"} sparsity achieved at run time by layers that report it (absent when no technique is on).`,
        labelNames: ["model_name", "layer"],
        registers,
        collect() {
          this.reset();
          for (const a of report()?.achieved ?? []) if (a.kind === kind) this.set({ ...labels, layer: a.path }, a.fraction);
        },
      });
    }
  }
}
