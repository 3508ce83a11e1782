/**
 * The engine on a worker thread, driven from the main thread: the model loads and every step
 * runs in the worker, so the main thread (HTTP, health, metrics) keeps answering while a batch
 * runs. Requests and events cross as small structured-clone messages.
 *
 * If the worker dies (an uncaught error, a native crash, running out of memory), every request
 * in flight ends with an engine_failed error event, pending stats() calls reject, onCrash is
 * told, and later submits fail at once.
 */
import type { ModelSparsityReport } from "../metrics/model-report.js";
import type { ResourceLimits, Worker } from "node:worker_threads";
import type { Engine } from "./engine.js";
import { RequestRouter, type RequestStream } from "./request-stream.js";
import type { EngineInfo, EngineLoadOptions, EngineLoadProgress, EngineRequest, EngineStats } from "./types.js";
import type { FromWorker, ToWorker } from "./worker/protocol.js";
import { spawnEngineWorker } from "./worker/spawn-worker.js";

export interface EngineClientOptions extends EngineLoadOptions {
  /** Load progress reported by the worker. */
  onProgress?: (progress: EngineLoadProgress) => void;
  /** Called once if the worker dies while in service (not for load errors, which reject start()). */
  onCrash?: (error: Error) => void;
  /** V8 heap limits of the worker. */
  resourceLimits?: ResourceLimits;
}

/** The model could not be loaded in the worker. */
export class EngineLoadError extends Error {
  constructor(
    readonly spec: string,
    message: string,
  ) {
    super(`could not load ${spec}: ${message}`);
    this.name = "EngineLoadError";
  }
}

export class EngineClient implements Engine {
  private readonly router: RequestRouter;
  /** Calls answered by the worker (stats, sparsity reports), by call id. */
  private readonly pendingCalls = new Map<number, { resolve: (value: never) => void; reject: (e: Error) => void }>();
  private nextCallId = 0;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly info: EngineInfo,
    private readonly onCrash: ((error: Error) => void) | undefined,
  ) {
    this.router = new RequestRouter((id) => this.cancel(id));
    worker.on("message", (message: FromWorker) => this.receive(message));
    worker.on("error", (error) => this.fail(new Error(`engine worker crashed: ${error.message}`)));
    worker.on("exit", (code) => this.fail(new Error(`engine worker exited (code ${code})`)));
  }

  /** Starts a worker, loads the model named by `spec` in it, and resolves once it serves. */
  static start(spec: string, options: EngineClientOptions = {}): Promise<EngineClient> {
    const { onProgress, onCrash, resourceLimits, ...loadOptions } = options;
    let worker: Worker;
    try {
      worker = spawnEngineWorker({ spec, options: loadOptions }, resourceLimits);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === "progress") onProgress?.(message.progress);
        else if (message.type === "load-error") settle(new EngineLoadError(spec, message.message));
        else if (message.type === "ready") settle(undefined, message.info);
      };
      const onError = (error: Error) => settle(new EngineLoadError(spec, `the worker failed while loading: ${error.message}`));
      const onExit = (code: number) => settle(new EngineLoadError(spec, `the worker exited while loading (code ${code})`));
      const settle = (error: Error | undefined, info?: EngineInfo) => {
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (error) {
          void worker.terminate();
          reject(error);
        } else {
          resolve(new EngineClient(worker, info!, onCrash));
        }
      };
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    });
  }

  /** Set once the worker died or was shut down. */
  get failed(): Error | undefined {
    return this.failure;
  }

  submit(request: EngineRequest): RequestStream {
    const id = request.id ?? this.router.newId();
    if (this.failure) return RequestRouter.failed(id, { code: "engine_failed", message: this.failure.message });
    if (this.router.has(id)) return RequestRouter.failed(id, { code: "invalid_request", message: `a request with id ${JSON.stringify(id)} is already in flight`, param: "id" });
    const stream = this.router.openStream(id);
    try {
      this.send({ type: "submit", id, request });
    } catch (e) {
      // Not structured-cloneable (a function, a class instance with private state...).
      this.router.dispatch([{ type: "error", requestId: id, code: "invalid_request", message: `the request cannot be sent to the engine: ${(e as Error).message}` }]);
    }
    return stream;
  }

  cancel(requestId: string): void {
    if (!this.failure) this.send({ type: "cancel", id: requestId });
  }

  stats(): Promise<EngineStats> {
    return this.call<EngineStats>("stats");
  }

  /** Per-layer weight sparsity, formats and kernels of the model loaded in the worker. */
  reportSparsity(): Promise<ModelSparsityReport> {
    return this.call<ModelSparsityReport>("sparsity");
  }

  private call<T>(type: "stats" | "sparsity"): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const callId = ++this.nextCallId;
    return new Promise<T>((resolve, reject) => {
      this.pendingCalls.set(callId, { resolve: resolve as (value: never) => void, reject });
      this.send({ type, callId });
    });
  }

  shutdown(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.failure) {
        void this.worker.terminate().then(() => resolve());
        return;
      }
      this.worker.once("exit", () => resolve());
      this.send({ type: "shutdown" });
      // A worker stuck in a long step still goes away.
      setTimeout(() => void this.worker.terminate(), 5000).unref();
    });
    return this.closing;
  }

  /** Test hook: makes the worker's step loop throw, to exercise crash handling. */
  crashForTest(): void {
    this.send({ type: "crash-for-test" });
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "events":
        this.router.dispatch(message.events);
        break;
      case "stats":
      case "sparsity": {
        const pending = this.pendingCalls.get(message.callId);
        this.pendingCalls.delete(message.callId);
        pending?.resolve((message.type === "stats" ? message.stats : message.report) as never);
        break;
      }
      case "closed":
        this.fail(new Error("the engine was shut down"), false);
        break;
    }
  }

  /** The worker is gone (or going): fail everything still waiting on it. */
  private fail(error: Error, crashed = true): void {
    if (this.failure) return;
    this.failure = error;
    this.router.failAll(error.message);
    for (const pending of this.pendingCalls.values()) pending.reject(error);
    this.pendingCalls.clear();
    if (crashed && !this.closing) this.onCrash?.(error);
  }
}
