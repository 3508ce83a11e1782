/**
 * Test helpers for the CLI (tests only, not exported): run `sieve` in-process with captured
 * stdout/stderr, or as a child process exactly as `pnpm sieve` does; find the shared assets.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TINYSTORIES_SEPARATOR } from "@sieve/model";
import { runCli } from "./program.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** $SIEVE_ASSETS, else ../shared/assets beside the repository root. */
export const ASSETS_DIR = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
export const STORIES_BIN = join(ASSETS_DIR, "stories260K/stories260K.bin");
export const STORIES_GGUF = join(ASSETS_DIR, "stories260K/stories260Ktok512.gguf");
export const TINYSTORIES_TEXT = join(ASSETS_DIR, "data/tinystories-valid-46.txt");

/** Whether the shared assets are here; when not, say once why the asset tests are skipped. */
export function haveAssets(): boolean {
  const ok = existsSync(STORIES_BIN) && existsSync(TINYSTORIES_TEXT);
  if (!ok) console.warn(`[cli tests] shared assets not found at ${ASSETS_DIR} (set SIEVE_ASSETS): skipping the stories260K tests`);
  return ok;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process (fast: no tsx start-up), capturing what it writes. */
export async function sieve(...args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { ...process.env, SIEVE_LOG_LEVEL: process.env.SIEVE_LOG_LEVEL ?? "warn" },
  });
  return { code, stdout, stderr };
}

/** Runs `tsx apps/server/src/cli/main.ts ARGS` from the repository root, as `pnpm sieve` does. */
export function sieveProcess(...args: string[]): Promise<CliRun> {
  const tsxCli = join(repoRoot, "node_modules/tsx/dist/cli.mjs");
  return new Promise((done) => {
    execFile(process.execPath, [tsxCli, "apps/server/src/cli/main.ts", ...args], { cwd: repoRoot, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Parses stdout as exactly one JSON object (and nothing else). */
export function onlyJson(run: CliRun): Record<string, unknown> {
  const text = run.stdout.trim();
  if (text.includes("\n")) throw new Error(`stdout holds more than one line:\n${run.stdout}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sieve-cli-${prefix}-`));
}

/** The first `count` stories of the TinyStories sample in a temp file: quick to score on any backend. */
export async function fewStories(count: number): Promise<string> {
  const stories = (await readFile(TINYSTORIES_TEXT, "utf8")).split(TINYSTORIES_SEPARATOR).slice(0, count);
  const path = join(await tempDir("stories"), "stories.txt");
  await writeFile(path, stories.join(TINYSTORIES_SEPARATOR));
  return path;
}
