/**
 * Pruning quality on a real model: `pnpm exec tsx tooling/pruning/quality.ts [--json out.json]`.
 *
 * The repo root has no tsconfig with the workspace paths, so from source this entry imports the
 * script through tsx with this folder's tsconfig, whose paths map @sieve/* to the packages'
 * TypeScript sources (the same arrangement as apps/server/src/cli/main.ts).
 */
import { fileURLToPath } from "node:url";

const { tsImport } = await import("tsx/esm/api");
await tsImport("./quality-run.ts", { parentURL: import.meta.url, tsconfig: fileURLToPath(new URL("./tsconfig.json", import.meta.url)) });
