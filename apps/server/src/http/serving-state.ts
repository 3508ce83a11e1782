/**
 * The server's lifecycle as routes see it: loading (the model is not there yet: 503), ready,
 * failed (the engine could not load or died: 503 with the reason), draining (shutting down: 503).
 * Routes that generate ask for `ready()`, which throws the right 503 in every other phase.
 */
import type { Engine, EngineLoadProgress } from "../engine/index.js";
import type { DashboardHistory } from "../metrics/dashboard-history.js";
import type { RequestObserver } from "../metrics/request-observer.js";
import type { ServingMetrics } from "../metrics/serving-metrics.js";
import type { StatsPoller } from "../metrics/stats-poller.js";
import type { Admission } from "./admission.js";
import { unavailable } from "./api-error.js";
import type { Generation } from "./generation.js";
import type { ServingModel } from "./serving-model.js";

export type Phase = "loading" | "ready" | "failed" | "draining";

/** Everything that exists once the model is loaded. */
export interface Serving {
  engine: Engine;
  model: ServingModel;
  admission: Admission;
  metrics: ServingMetrics;
  history: DashboardHistory;
  poller: StatsPoller;
  observer: RequestObserver;
}

export class ServingState {
  private current: Phase = "loading";
  private serving: Serving | undefined;
  private failure: string | undefined;
  /** The latest load progress the engine reported (for /health while loading). */
  progress: EngineLoadProgress | undefined;
  /** Generations in flight, so shutdown can wait for them or cancel them. */
  readonly active = new Set<Generation>();

  get phase(): Phase {
    return this.current;
  }

  get failureReason(): string | undefined {
    return this.failure;
  }

  /** What is loaded, in any phase after loading (undefined before). */
  get loaded(): Serving | undefined {
    return this.serving;
  }

  markReady(serving: Serving): void {
    this.serving = serving;
    if (this.current === "loading") this.current = "ready";
  }

  markFailed(reason: string): void {
    this.failure = reason;
    if (this.current !== "draining") this.current = "failed";
  }

  markDraining(): void {
    this.current = "draining";
  }

  /** The loaded model, or the 503 that explains why there is none. */
  ready(): Serving {
    if (this.current === "ready" && this.serving) return this.serving;
    if (this.current === "loading") return raise(unavailable("The model is still loading; retry in a few seconds (GET /health says when it is ready).", "model_loading", 2));
    if (this.current === "draining") return raise(unavailable("The server is shutting down.", "shutting_down"));
    return raise(unavailable(`The engine is not available: ${this.failure ?? "unknown failure"}.`, "engine_failed"));
  }
}

function raise(error: Error): never {
  throw error;
}
