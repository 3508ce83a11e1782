/**
 * Starts the OpenAI-compatible server: listens at once (GET /health answers 503 while loading),
 * loads the model on the engine's worker thread, then serves. close() shuts down gracefully:
 * stop accepting, let in-flight requests finish within a grace period, cancel the rest, stop
 * the engine.
 */
import { DEFAULT_MAX_SEQS } from "@sieve/scheduler";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { EngineClient, type Engine, type EngineOptions } from "../engine/index.js";
import { DashboardHistory } from "../metrics/dashboard-history.js";
import { modelReportSource } from "../metrics/model-report-source.js";
import { fanOut } from "../metrics/request-observer.js";
import { ServingMetrics } from "../metrics/serving-metrics.js";
import { StatsPoller } from "../metrics/stats-poller.js";
import { Admission } from "./admission.js";
import { buildApp } from "./app.js";
import { DEFAULT_MODEL_SPEC, ensureDefaultModelDir } from "./default-model.js";
import { SERVER_DEFAULTS, type ResolvedServerOptions, type ServerOptions } from "./server-options.js";
import { describeServingModel } from "./serving-model.js";
import { ServingState } from "./serving-state.js";

export interface ServeOptions extends ServerOptions {
  /** Model spec (see loadCheckpoint); default "default": the built-in synthetic model. */
  model?: string;
  /** Tokenizer file for checkpoints without one (llama2.c). */
  tokenizer?: string;
  /** Activation-sparsity recipe file applied when the model loads. */
  recipe?: string;
  /** KV pool, batch limits and backend of the engine. */
  engine?: EngineOptions;
  /** Builds the engine (tests pass a LocalEngine); default: EngineClient.start, the model on a worker thread. */
  createEngine?: (spec: string) => Promise<Engine>;
}

export interface SieveServer {
  /** http://host:port */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly state: ServingState;
  /** Resolves once the model is loaded and served; rejects when loading failed. */
  readonly ready: Promise<void>;
  /** Graceful shutdown (idempotent); in-flight requests get `graceMs` (default shutdownGraceMs) to finish. */
  close(graceMs?: number): Promise<void>;
}

function resolveOptions(o: ServeOptions): ResolvedServerOptions {
  return {
    host: o.host ?? SERVER_DEFAULTS.host,
    port: o.port ?? SERVER_DEFAULTS.port,
    apiKey: o.apiKey,
    corsOrigins: o.corsOrigins ?? [],
    maxBodyBytes: o.maxBodyBytes ?? SERVER_DEFAULTS.maxBodyBytes,
    maxWaiting: o.maxWaiting ?? SERVER_DEFAULTS.maxWaiting,
    requestTimeoutMs: o.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs,
    keepAliveMs: o.keepAliveMs ?? SERVER_DEFAULTS.keepAliveMs,
    statsIntervalMs: o.statsIntervalMs ?? SERVER_DEFAULTS.statsIntervalMs,
    shutdownGraceMs: o.shutdownGraceMs ?? SERVER_DEFAULTS.shutdownGraceMs,
    servedModelName: o.servedModelName,
    logger: o.logger ?? pino({ level: "warn", base: { name: "sieve-serve" } }),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function loadAndServe(state: ServingState, options: ResolvedServerOptions, o: ServeOptions): Promise<void> {
  const log = options.logger;
  const isDefault = o.model === undefined || o.model === DEFAULT_MODEL_SPEC;
  const spec = isDefault ? await ensureDefaultModelDir() : o.model!;
  log.info({ spec }, "loading the model");
  const started = performance.now();
  const engine = o.createEngine
    ? await o.createEngine(spec)
    : await EngineClient.start(spec, {
        ...o.engine,
        tokenizer: o.tokenizer,
        recipe: o.recipe,
        onProgress: (progress) => (state.progress = progress),
        onCrash: (error) => {
          log.error({ err: error }, "the engine crashed; every request now fails with 503");
          state.markFailed(error.message);
        },
      });
  try {
    if (state.phase === "draining") throw new Error("the server was shut down while the model was loading");
    const model = await describeServingModel({ spec, info: engine.info, isDefault, servedName: options.servedModelName, tokenizerFile: o.tokenizer });
    const history = new DashboardHistory();
    const poller = new StatsPoller(engine, modelReportSource(engine), history, options.statsIntervalMs);
    const metrics = new ServingMetrics(model.id, () => poller.snapshot);
    const admission = new Admission(o.engine?.maxSeqs ?? DEFAULT_MAX_SEQS, options.maxWaiting);
    poller.start();
    state.markReady({ engine, model, admission, metrics, history, poller, observer: fanOut(metrics, history) });
    log.info({ model: model.id, source: engine.info.source, backend: engine.info.backend, loadMs: Math.round(performance.now() - started) }, "model loaded; serving");
    if (model.syntheticPreset) log.warn(`serving a synthetic model with random weights (${model.syntheticPreset}): its output is meaningless`);
  } catch (e) {
    await engine.shutdown();
    throw e;
  }
}

export async function startServer(serveOptions: ServeOptions = {}): Promise<SieveServer> {
  const options = resolveOptions(serveOptions);
  const state = new ServingState();
  const app = await buildApp(state, options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;

  const ready = loadAndServe(state, options, serveOptions).catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    options.logger.error({ err: e }, "the model could not be loaded");
    state.markFailed(message);
    throw e;
  });
  // A load failure is reported through `ready` and /health; never as an unhandled rejection.
  ready.catch(() => {});

  let closing: Promise<void> | undefined;
  const close = (graceMs = options.shutdownGraceMs) =>
    (closing ??= (async () => {
      state.markDraining();
      const stopListening = app.close();
      const inFlight = () => Promise.all([...state.active].map((g) => g.allSettled));
      await Promise.race([inFlight(), delay(graceMs)]);
      if (state.active.size > 0) {
        options.logger.warn({ requests: state.active.size }, "shutdown grace period over: cancelling in-flight requests");
        for (const generation of state.active) generation.cancel();
        await Promise.race([inFlight(), delay(5000)]);
      }
      // Connections become idle as their last responses finish writing; close each then, and
      // cut whatever is still open after a short bound.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 25);
      await Promise.race([stopListening, delay(2000)]);
      clearInterval(sweep);
      app.server.closeAllConnections();
      await stopListening;
      const serving = state.loaded;
      serving?.poller.stop();
      // (A model still loading shuts its engine down itself when it sees the draining state.)
      await serving?.engine.shutdown();
    })());

  return { url, app, state, ready, close };
}
