/**
 * Polls the engine's stats (and the model's sparsity report) on a timer, records a dashboard
 * sample each time, and keeps the latest values for /metrics and /api/dashboard. A stats call
 * crosses to the worker and is answered between steps, so the HTTP thread never waits on a step.
 */
import type { Engine, EngineStats } from "../engine/index.js";
import type { DashboardHistory } from "./dashboard-history.js";
import type { ModelSparsityReport } from "./model-report.js";
import type { ModelReportSource } from "./model-report-source.js";
import type { MetricsSnapshot } from "./serving-metrics.js";

export class StatsPoller {
  private latestStats: EngineStats | undefined;
  private latestReport: ModelSparsityReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<EngineStats | undefined> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly reportSource: ModelReportSource,
    private readonly history: DashboardHistory,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    // Polling alone must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get snapshot(): MetricsSnapshot {
    return { stats: this.latestStats, report: this.latestReport };
  }

  /** Fresh stats now (shared with a refresh already under way); the last known ones if the engine is gone. */
  refresh(): Promise<EngineStats | undefined> {
    this.inFlight ??= Promise.all([this.engine.stats(), this.reportSource().catch(() => this.latestReport)])
      .then(([stats, report]) => {
        this.latestStats = stats;
        this.latestReport = report;
        return stats;
      })
      .catch(() => this.latestStats)
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async poll(): Promise<void> {
    const stats = await this.refresh();
    if (stats) this.history.record(stats, Date.now());
  }
}
