/**
 * Test support (not exported): where the shared assets are. SIEVE_ASSETS, else ../shared/assets
 * beside the repository. Tests that need them skip with a message when they are absent.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

export const ASSETS = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
export const STORIES_260K = join(ASSETS, "stories260K", "stories260K.bin");
export const TINYSTORIES_TEXT = join(ASSETS, "data", "tinystories-valid-46.txt");

/** Whether stories260K (and its tokenizer) is there; says why not, once, when it is not. */
export function haveStories260K(): boolean {
  const ok = existsSync(STORIES_260K) && existsSync(join(ASSETS, "stories260K", "tok512.bin")) && existsSync(TINYSTORIES_TEXT);
  if (!ok) console.warn(`[engine tests] skipping the stories260K tests: ${STORIES_260K} not found (set SIEVE_ASSETS to the shared assets folder)`);
  return ok;
}
