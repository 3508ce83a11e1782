/**
 * Starts the engine worker thread. Built, the worker is dist/engine-worker.js beside the bundle.
 * From sources (tests, development), it is engine-worker.ts beside this file: a plain Node
 * worker cannot run TypeScript, so a tiny bootstrap registers tsx (a dev dependency of the
 * repository) with this app's tsconfig, whose paths map @sieve/* to the packages' sources.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, type ResourceLimits } from "node:worker_threads";
import type { WorkerInit } from "./protocol.js";

const BUILT_ENTRY = new URL("./engine-worker.js", import.meta.url);
const SOURCE_ENTRY = new URL("./engine-worker.ts", import.meta.url);
const SOURCE_TSCONFIG = new URL("../../../tsconfig.json", import.meta.url);

/** Runs in the worker (CommonJS eval): registers the TypeScript loader, then imports the entry. */
const SOURCE_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.bootstrap.tsxApi)
  .then((api) => {
    api.register({ tsconfig: workerData.bootstrap.tsconfig });
    return import(workerData.bootstrap.entry);
  })
  .catch((error) => {
    setImmediate(() => { throw error; });
  });
`;

export function spawnEngineWorker(init: WorkerInit, resourceLimits?: ResourceLimits): Worker {
  if (existsSync(fileURLToPath(BUILT_ENTRY))) return new Worker(BUILT_ENTRY, { workerData: init, resourceLimits });
  if (!existsSync(fileURLToPath(SOURCE_ENTRY))) {
    throw new Error(`engine worker entry not found: neither ${fileURLToPath(BUILT_ENTRY)} nor ${fileURLToPath(SOURCE_ENTRY)} exists`);
  }
  let tsxApi: string;
  try {
    // require.resolve finds the CommonJS flavour; its ESM twin sits beside it (the CommonJS one
    // registers its hooks from a wrong relative path when imported).
    tsxApi = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
  } catch (e) {
    throw new Error(`running the engine worker from TypeScript sources needs the tsx package (a dev dependency); build the app instead. ${(e as Error).message}`);
  }
  return new Worker(SOURCE_BOOTSTRAP, {
    eval: true,
    // The parent's loader flags (e.g. tsx's own) would register a second loader without our tsconfig.
    execArgv: [],
    resourceLimits,
    workerData: { ...init, bootstrap: { tsxApi, tsconfig: fileURLToPath(SOURCE_TSCONFIG), entry: SOURCE_ENTRY.href } },
  });
}
