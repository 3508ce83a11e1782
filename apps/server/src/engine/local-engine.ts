/**
 * The engine on the caller's thread: the same EngineCore and step loop as the worker, without
 * the worker. For library users and tests; a server should use EngineClient so that a long
 * step never blocks its event loop.
 */
import { EngineCore } from "./engine-core.js";
import type { Engine } from "./engine.js";
import { loadEngineModel, type EngineModel } from "./engine-model.js";
import { RequestRouter, type RequestStream } from "./request-stream.js";
import { StepPump } from "./step-pump.js";
import type { EngineInfo, EngineLoadOptions, EngineLoadProgress, EngineOptions, EngineRequest, EngineStats } from "./types.js";

export class LocalEngine implements Engine {
  readonly core: EngineCore;
  private readonly router: RequestRouter;
  private readonly pump: StepPump;
  private failure: string | undefined;

  constructor(loaded: EngineModel, options: EngineOptions = {}) {
    this.core = new EngineCore(loaded, options);
    this.router = new RequestRouter((id) => this.cancel(id));
    this.pump = new StepPump(
      this.core,
      (events) => this.router.dispatch(events),
      (error) => {
        this.failure = `engine step failed: ${error instanceof Error ? error.message : String(error)}`;
        this.router.failAll(this.failure);
      },
    );
  }

  /** Loads a model from a spec (see loadCheckpoint) and starts an engine on it. */
  static async load(spec: string, options: EngineLoadOptions & { onProgress?: (p: EngineLoadProgress) => void } = {}): Promise<LocalEngine> {
    const loaded = await loadEngineModel(spec, { tokenizer: options.tokenizer, backend: options.backend, recipe: options.recipe, onProgress: options.onProgress });
    return new LocalEngine(loaded, options);
  }

  get info(): EngineInfo {
    return this.core.info;
  }

  submit(request: EngineRequest): RequestStream {
    const id = request.id ?? this.router.newId();
    if (this.failure) return RequestRouter.failed(id, { code: "engine_failed", message: this.failure });
    if (this.router.has(id)) return RequestRouter.failed(id, { code: "invalid_request", message: `a request with id ${JSON.stringify(id)} is already in flight`, param: "id" });
    const stream = this.router.openStream(id);
    this.router.dispatch(this.core.add(id, request));
    this.pump.kick();
    return stream;
  }

  cancel(requestId: string): void {
    this.router.dispatch(this.core.abort(requestId));
  }

  stats(): Promise<EngineStats> {
    return Promise.resolve(this.core.stats());
  }

  async shutdown(): Promise<void> {
    for (const id of this.core.requestIds) this.cancel(id);
    this.pump.stop();
    this.failure ??= "the engine was shut down";
  }
}
