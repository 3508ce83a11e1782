import { existsSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NativeAddon } from "./native-surface.js";

export interface LoadAttempt {
  candidate: string;
  error: string;
}

export type LoadResult =
  | { ok: true; addon: NativeAddon; path: string; attempts: LoadAttempt[] }
  | { ok: false; attempts: LoadAttempt[] };

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Where the addon may be, in order: the cmake-js Release build, then a Debug build; or only the
 * SIEVE_NATIVE_ADDON path when that is set. (Prebuilt per-platform packages would slot in here.)
 */
export function addonCandidates(): string[] {
  // An explicit path is the only candidate: silently loading another build would hide its failure.
  if (process.env.SIEVE_NATIVE_ADDON) return [resolve(process.env.SIEVE_NATIVE_ADDON)];
  const list: string[] = [];
  list.push(join(packageRoot, "build", "Release", "sieve_kernels.node"));
  list.push(join(packageRoot, "build", "Debug", "sieve_kernels.node"));
  return list;
}

let cached: LoadResult | undefined;

/** Loads the addon once, trying every candidate and keeping each failure for the message. */
export function loadAddon(): LoadResult {
  if (cached) return cached;
  const attempts: LoadAttempt[] = [];
  // Lets tests and users exercise the no-addon path on a machine where the addon is built.
  if (process.env.SIEVE_NATIVE === "off") {
    cached = { ok: false, attempts: [{ candidate: "(all)", error: "disabled by SIEVE_NATIVE=off" }] };
    return cached;
  }
  for (const candidate of addonCandidates()) {
    if (!existsSync(candidate)) {
      attempts.push({ candidate, error: "not found" });
      continue;
    }
    try {
      // RTLD_NOW resolves every symbol at load time: a stale or half-built addon then fails here,
      // with a message, instead of killing the process at its first call.
      const module = { exports: {} as NativeAddon };
      process.dlopen(module, candidate, constants.dlopen.RTLD_NOW);
      const addon = module.exports;
      cached = { ok: true, addon, path: candidate, attempts };
      return cached;
    } catch (err) {
      attempts.push({ candidate, error: err instanceof Error ? err.message : String(err) });
    }
  }
  cached = { ok: false, attempts };
  return cached;
}

/** A one-paragraph explanation of a failed load, listing every candidate and its error. */
export function describeLoadFailure(result: LoadResult): string {
  const lines = result.attempts.map((a) => `  - ${a.candidate}: ${a.error}`);
  return [
    "the native addon @sieve/cuda-kernels could not be loaded:",
    ...lines,
    "build it with `pnpm --filter @sieve/cuda-kernels build:addon` (needs cmake and a C++17 compiler).",
  ].join("\n");
}
