/**
 * GET /api/dashboard: everything the web dashboard draws, as JSON: the model, live engine stats,
 * recent samples (throughput, latency, KV usage), per-layer sparsity, and this process's memory.
 * `?since=<ms>` returns only newer samples.
 */
import type { FastifyInstance } from "fastify";
import type { ModelSparsityReport } from "../../metrics/model-report.js";
import type { ResolvedServerOptions } from "../server-options.js";
import type { ServingState } from "../serving-state.js";
import { modelCard } from "./models.js";

const startedAt = Date.now();

function sparsityView(report: ModelSparsityReport | undefined) {
  if (!report) {
    return { available: false, note: "This engine runs the model on a worker thread and does not report per-layer sparsity yet.", overallWeightSparsity: null, linears: [], achieved: [] };
  }
  const techniques = report.achieved.length > 0 ? "" : " No activation or KV sparsity technique is on.";
  return {
    available: true,
    note: `Weight sparsity from describe() of each linear layer.${techniques}`,
    overallWeightSparsity: report.overallWeightSparsity,
    linears: report.linears.map((l) => ({ path: l.path, layer: l.layer, kind: l.kind, kernel: l.kernel, weightSparsity: l.weightSparsity })),
    achieved: report.achieved,
  };
}

export function registerDashboard(app: FastifyInstance, state: ServingState, options: ResolvedServerOptions): void {
  app.get<{ Querystring: { since?: string } }>("/api/dashboard", async (request) => {
    const since = Number(request.query.since ?? 0) || 0;
    const memory = process.memoryUsage();
    const base = {
      phase: state.phase,
      intervalMs: options.statsIntervalMs,
      process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) },
    };
    const serving = state.loaded;
    if (!serving) return { ...base, loading: state.progress ?? null, error: state.failureReason ?? null };
    const { model, poller, history, admission } = serving;
    const { stats, report } = poller.snapshot;
    return {
      ...base,
      model: {
        ...modelCard(model),
        format: model.info.format,
        backend: model.info.backend,
        source: model.info.source,
        vocabSize: model.info.vocabSize,
        hasChatTemplate: model.tokenizer?.hasChatTemplate ?? false,
        kvBlocks: model.info.kvBlocks,
        kvBlockSize: model.info.kvBlockSize,
        kvBytes: model.info.kvBytes,
      },
      stats: stats ?? null,
      admission: { inFlight: admission.inFlight, maxWaiting: options.maxWaiting },
      totals: history.totals,
      samples: history.recent(since),
      sparsity: sparsityView(report),
    };
  });
}
