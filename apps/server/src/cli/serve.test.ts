/**
 * `sieve serve` as a process, exactly as `pnpm start` runs it: it listens, loads the default model,
 * answers, and on SIGTERM shuts down gracefully and exits 0.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./cli.fixture.js";

describe("sieve serve (process)", () => {
  it("serves the default model, then exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "apps/server/src/cli/main.ts", "serve", "--port", "0", "--kv-blocks", "64"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/ready: serving/.test(stderr)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not become ready:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!;
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string; owned_by: string }[] };
      expect(models.data[0]).toMatchObject({ id: "sieve-tiny-random", owned_by: "sieve (synthetic, random weights)" });
      const page = await fetch(`${url}/`);
      expect(await page.text()).toContain("<title>Sieve</title>");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: shutting down[\s\S]*stopped/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 90_000);

  it("exits 1 with the loader's message when the model cannot be loaded", async () => {
    const { sieve } = await import("./cli.fixture.js");
    const run = await sieve("serve", "--model", "synth:no-such-preset", "--port", "0");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/sieve: error: could not load synth:no-such-preset: .*unknown synthetic preset/);
  });

  it("fails to start with a message naming the file when --recipe cannot be read", async () => {
    const { sieve } = await import("./cli.fixture.js");
    const run = await sieve("serve", "--model", "synth:test-tiny", "--recipe", "no-such-recipe.json", "--port", "0");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no-such-recipe\.json/);
  });
});
