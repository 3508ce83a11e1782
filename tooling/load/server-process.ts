/**
 * Starts `sieve serve` as a child process (from sources, through tsx, as `pnpm start` does) on a
 * free port, waits until it serves, and stops it with SIGTERM (it must exit 0).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface ServerProcess {
  url: string;
  stderr: () => string;
  /** SIGTERM, then the exit code (a SIGKILL after 30 s counts as failure). */
  stop(): Promise<number | null>;
}

export async function startServerProcess(repoRoot: string, args: string[]): Promise<ServerProcess> {
  const tsx = join(repoRoot, "node_modules/tsx/dist/cli.mjs");
  const child: ChildProcess = spawn(process.execPath, [tsx, "apps/server/src/cli/main.ts", "serve", "--port", "0", ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, SIEVE_LOG_LEVEL: process.env.SIEVE_LOG_LEVEL ?? "warn" },
  });
  let log = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (log += s));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!/ready: serving/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /listening on (http:\/\/[^\s]+?:\d+)/.exec(log)![1]!;
  return {
    url,
    stderr: () => log,
    stop: async () => {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
