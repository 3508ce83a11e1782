/**
 * Where tests find the shared read-only assets (real weights and evaluation text): $SIEVE_ASSETS,
 * else ../shared/assets beside the repository root. Tests only; not exported from the package.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

export const ASSETS_DIR = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");

export function assetPath(relative: string): string {
  return join(ASSETS_DIR, relative);
}

/** The named assets that are missing (empty when all are there). */
export function missingAssets(...relatives: string[]): string[] {
  return relatives.filter((r) => !existsSync(assetPath(r)));
}
