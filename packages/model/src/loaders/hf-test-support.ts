/** Test helpers (not product code) shared by the HF directory, export and spec tests. */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { referenceBackend } from "@sieve/core";
import { LlamaModel } from "../arch/llama.js";
import type { LoadedCheckpoint } from "./types.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The shared assets folder (SIEVE_ASSETS, default ../shared/assets beside the repo), or undefined. */
export function assetsDir(): string | undefined {
  const dir = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
  return existsSync(join(dir, "stories260K", "stories260K.bin")) ? dir : undefined;
}

export const ASSETS_MISSING = "shared assets not found (set SIEVE_ASSETS to the folder holding stories260K/): skipping tests on real weights";

/**
 * Logits of every position of one sequence, as a fresh array [tokens.length, vocab]. Runs the
 * reference kernels: these tests compare loaders, so they must not depend on the native addon.
 */
export function logitsOf(checkpoint: LoadedCheckpoint, tokens: readonly number[]): Float32Array {
  const model = new LlamaModel(checkpoint.config, checkpoint.weights, { backend: () => referenceBackend });
  const pageSize = 16;
  const pages = Math.ceil(tokens.length / pageSize);
  const kv = model.createKvCache(pages, pageSize);
  const logits = model.forward(
    {
      tokens: Int32Array.from(tokens),
      positions: Int32Array.from(tokens, (_, i) => i),
      tokenSeq: new Int32Array(tokens.length),
      blockTable: Int32Array.from({ length: pages }, (_, i) => i),
      maxPagesPerSeq: pages,
      logitRows: Int32Array.from(tokens, (_, i) => i),
    },
    kv,
  );
  return Float32Array.from(logits);
}

/** Largest |a - b| relative to the largest |a| (a scale-aware comparison of two logit sets). */
export function maxRelativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return diff / (scale || 1);
}
