/**
 * The worker side: loads the model (reporting progress and errors), then runs the step loop and
 * answers the client's messages between steps. A step that throws is a crash: it is rethrown
 * out of the worker, whose 'error' event fails every in-flight request on the main thread.
 */
import { setHugePagesByDefault } from "@sieve/core";
import { reportModelSparsity } from "../../metrics/model-report.js";
import type { MessagePort } from "node:worker_threads";
import { EngineCore } from "../engine-core.js";
import { loadEngineModel } from "../engine-model.js";
import { StepPump } from "../step-pump.js";
import type { EngineEvent } from "../types.js";
import type { FromWorker, ToWorker, WorkerInit } from "./protocol.js";

/** Least time between two progress messages (the first and the last of a phase always go). */
const PROGRESS_INTERVAL_MS = 100;

export async function runEngineWorker(port: MessagePort, init: WorkerInit): Promise<void> {
  const post = (message: FromWorker) => port.postMessage(message);
  let lastProgress = 0;
  let lastPhase = "";
  let core: EngineCore;
  try {
    // A server loads once and decodes for long: weights in 2 MiB pages (allocWeightStorage).
    setHugePagesByDefault(true);
    const loaded = await loadEngineModel(init.spec, {
      tokenizer: init.options.tokenizer,
      backend: init.options.backend,
      recipe: init.options.recipe,
      onProgress: (progress) => {
        const now = Date.now();
        if (progress.phase === lastPhase && progress.done < progress.total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = now;
        lastPhase = progress.phase;
        post({ type: "progress", progress });
      },
    });
    core = new EngineCore(loaded, init.options);
  } catch (e) {
    post({ type: "load-error", message: e instanceof Error ? e.message : String(e) });
    return;
  }

  let crashRequested = false;
  const emit = (events: EngineEvent[]) => {
    if (events.length > 0) post({ type: "events", events });
  };
  const pump = new StepPump(
    core,
    (events) => {
      if (crashRequested) throw new Error("crash requested by the client (test hook)");
      emit(events);
    },
    (error) => {
      // Out of the worker: the main thread's 'error' handler fails every in-flight request.
      setImmediate(() => {
        throw error;
      });
    },
  );

  port.on("message", (message: ToWorker) => {
    switch (message.type) {
      case "submit":
        emit(core.add(message.id, message.request));
        pump.kick();
        break;
      case "cancel":
        emit(core.abort(message.id));
        break;
      case "stats":
        post({ type: "stats", callId: message.callId, stats: core.stats() });
        break;
      case "sparsity":
        post({ type: "sparsity", callId: message.callId, report: reportModelSparsity(core.loaded.model) });
        break;
      case "shutdown":
        pump.stop();
        for (const id of core.requestIds) emit(core.abort(id));
        post({ type: "closed" });
        port.close();
        break;
      case "crash-for-test":
        crashRequested = true;
        pump.kick();
        break;
    }
  });
  post({ type: "ready", info: core.info });
}
