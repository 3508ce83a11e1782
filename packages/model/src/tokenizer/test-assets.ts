/**
 * Where tests find the shared read-only assets (real weights, tokenizers, evaluation text):
 * $SIEVE_ASSETS, else ../shared/assets beside the repository. Tests only; not exported.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

export const ASSETS_DIR = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");

export function assetPath(relative: string): string {
  return join(ASSETS_DIR, relative);
}

/** True when every named asset exists; otherwise says, once, what is skipped and why. */
export function haveAssets(...relatives: string[]): boolean {
  const missing = relatives.filter((r) => !existsSync(assetPath(r)));
  if (missing.length > 0) {
    console.warn(`skipping tests that need ${missing.join(", ")}: not found under ${ASSETS_DIR} (set SIEVE_ASSETS to the shared assets folder)`);
  }
  return missing.length === 0;
}

/** The stories of tinystories-valid-46.txt, split at <|endoftext|> with surrounding newlines removed. */
export function storiesOf(text: string): string[] {
  return text
    .split("<|endoftext|>")
    .map((story) => story.replace(/^\n+|\n+$/g, ""))
    .filter((story) => story.length > 0);
}
