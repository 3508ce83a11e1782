/**
 * Where the server gets the model's sparsity report. The model lives wherever the engine runs
 * it: on this thread for a LocalEngine (walked directly), in the worker for an EngineClient. An
 * engine that can answer for its worker exposes `reportSparsity()` (see docs/server.md for the
 * protocol message the worker needs); until then a worker engine reports nothing and the
 * dashboard says so.
 */
import { LocalEngine, type Engine } from "../engine/index.js";
import { reportModelSparsity, type ModelSparsityReport } from "./model-report.js";

export type ModelReportSource = () => Promise<ModelSparsityReport | undefined>;

/** An engine that can report its model's sparsity itself (e.g. by asking its worker). */
export interface SparsityReportingEngine {
  reportSparsity(): Promise<ModelSparsityReport>;
}

function canReport(engine: Engine): engine is Engine & SparsityReportingEngine {
  return typeof (engine as Partial<SparsityReportingEngine>).reportSparsity === "function";
}

export function modelReportSource(engine: Engine): ModelReportSource {
  if (canReport(engine)) return () => engine.reportSparsity();
  if (engine instanceof LocalEngine) return () => Promise.resolve(reportModelSparsity(engine.core.loaded.model));
  return () => Promise.resolve(undefined);
}
