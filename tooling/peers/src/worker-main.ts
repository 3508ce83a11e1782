/**
 * Entry of a worker process: `worker-main.ts sieve|llamacpp ARGS_JSON OUT_FILE`. Each engine runs
 * in a process of its own, so that its peak RSS is its own and no idle thread pool of the other
 * engine competes for the two cores. The result goes to OUT_FILE (stdout may carry engine logs).
 */
import { writeFile } from "node:fs/promises";
import { runLlamaCppWorker, type LlamaCppWorkerArgs } from "./llamacpp-worker.js";
import { runSieveWorker, type SieveWorkerArgs } from "./sieve-worker.js";

const [role, argsJson, outFile] = process.argv.slice(2);
if (!role || !argsJson || !outFile) throw new Error("usage: worker-main.ts sieve|llamacpp ARGS_JSON OUT_FILE");
const args: unknown = JSON.parse(argsJson);
const result = role === "sieve" ? await runSieveWorker(args as SieveWorkerArgs) : await runLlamaCppWorker(args as LlamaCppWorkerArgs);
await writeFile(outFile, JSON.stringify(result));
// node-llama-cpp may keep native handles open after dispose; the result is written, so leave now.
process.exit(0);
