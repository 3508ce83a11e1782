/** Entry point of the engine worker thread (bundled as dist/engine-worker.js). */
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerInit } from "./protocol.js";
import { runEngineWorker } from "./worker-host.js";

if (!parentPort) throw new Error("engine-worker must run as a worker thread (see EngineClient)");
void runEngineWorker(parentPort, workerData as WorkerInit);
