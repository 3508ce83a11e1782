// Metrics and the sparsity-reporting contract, every export by name (apps/server/src/index.ts re-exports it).
export {
  METRIC_PREFIX,
  ServingMetrics,
} from "./serving-metrics.js";
export type {
  MetricsSnapshot,
} from "./serving-metrics.js";
export {
  isSparsityReporter,
  reportModelSparsity,
} from "./model-report.js";
export type {
  AchievedReport,
  AchievedSparsity,
  LinearReport,
  ModelSparsityReport,
  SparsityReporter,
} from "./model-report.js";
export type {
  SparsityReportingEngine,
} from "./model-report-source.js";
export {
  DashboardHistory,
} from "./dashboard-history.js";
export type {
  DashboardSample,
  DashboardTotals,
} from "./dashboard-history.js";
