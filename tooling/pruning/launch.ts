/**
 * Runs a script of this folder through tsx with this folder's tsconfig, whose paths map @sieve/*
 * to the packages' TypeScript sources (the repo root has no tsconfig.json, so a plain
 * `tsx tooling/pruning/x.ts` would resolve @sieve/* to dist/ builds that do not exist). Same
 * approach as apps/server/src/cli/main.ts.
 */
import { fileURLToPath } from "node:url";

export async function launch(script: string): Promise<void> {
  const tsx = (await import("tsx/esm/api")) as { tsImport: (specifier: string, options: { parentURL: string; tsconfig: string }) => Promise<unknown> };
  await tsx.tsImport(script, { parentURL: import.meta.url, tsconfig: fileURLToPath(new URL("./tsconfig.json", import.meta.url)) });
}
