/** Messages between EngineClient (main thread) and the engine worker. All structured-clone data. */
import type { ModelSparsityReport } from "../../metrics/model-report.js";
import type { EngineEvent, EngineInfo, EngineLoadOptions, EngineLoadProgress, EngineRequest, EngineStats } from "../types.js";

/** workerData: what to load. */
export interface WorkerInit {
  spec: string;
  options: EngineLoadOptions;
}

export type ToWorker =
  | { type: "submit"; id: string; request: EngineRequest }
  | { type: "cancel"; id: string }
  | { type: "stats"; callId: number }
  /** Per-layer sparsity of the loaded model (the model lives in the worker). */
  | { type: "sparsity"; callId: number }
  | { type: "shutdown" }
  /** Test hook: makes the step loop throw, to exercise the crash path. */
  | { type: "crash-for-test" };

export type FromWorker =
  | { type: "progress"; progress: EngineLoadProgress }
  | { type: "ready"; info: EngineInfo }
  | { type: "load-error"; message: string }
  | { type: "events"; events: EngineEvent[] }
  | { type: "stats"; callId: number; stats: EngineStats }
  | { type: "sparsity"; callId: number; report: ModelSparsityReport }
  | { type: "closed" };
