import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LlamaCppWorkerArgs, LlamaCppWorkerResult } from "./llamacpp-worker.js";
import type { SieveWorkerArgs, SieveWorkerResult } from "./sieve-worker.js";

const here = dirname(fileURLToPath(import.meta.url));

export function runWorker(role: "sieve", args: SieveWorkerArgs): Promise<SieveWorkerResult>;
export function runWorker(role: "llamacpp", args: LlamaCppWorkerArgs): Promise<LlamaCppWorkerResult>;
/**
 * Runs one engine's measurement in a child process with the same Node flags as this one (the tsx
 * loader), from the package directory so its tsconfig maps @sieve/* to sources. The child's
 * output goes to our stderr: our stdout is for the table.
 */
export async function runWorker(role: string, args: object): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), "sieve-peer-"));
  const out = join(dir, "result.json");
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, join(here, "worker-main.ts"), role, JSON.stringify(args), out], {
        cwd: join(here, ".."),
        stdio: ["ignore", process.stderr, process.stderr],
      });
      child.on("error", reject);
      child.on("exit", resolve);
    });
    if (code !== 0) throw new Error(`the ${role} worker exited with code ${code} (its output is above)`);
    return JSON.parse(await readFile(out, "utf8")) as unknown;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
