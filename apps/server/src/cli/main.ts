#!/usr/bin/env node
/**
 * The `sieve` executable. Built, it is dist/cli.js and runs the compiled code. From source
 * (`pnpm sieve ...` = `tsx apps/server/src/cli/main.ts` at the repo root), tsx would resolve
 * @sieve/* through package.json to dist/ builds that do not exist, because the repo root has no
 * tsconfig.json with the workspace paths; so from source the CLI is imported through tsx with
 * this package's tsconfig, whose paths map @sieve/* to the packages' TypeScript sources.
 */
import { fileURLToPath } from "node:url";

// A variable, not a literal, so the bundler leaves tsx (a dev tool, not a dependency) out of dist.
const TSX_API = "tsx/esm/api";

function start(): Promise<unknown> {
  if (!import.meta.url.endsWith(".ts")) return import("./run.js");
  return import(TSX_API).then((tsx: { tsImport: (specifier: string, options: { parentURL: string; tsconfig: string }) => Promise<unknown> }) =>
    tsx.tsImport("./run.ts", { parentURL: import.meta.url, tsconfig: fileURLToPath(new URL("../../tsconfig.json", import.meta.url)) }),
  );
}

start().catch((error: unknown) => {
  process.stderr.write(`sieve: error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
