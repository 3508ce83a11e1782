#!/usr/bin/env node
// Builds the native addon with cmake-js, offline (binary.napi_versions in package.json makes
// cmake-js use node-api-headers instead of downloading Node headers).
//
// A failed build does not fail `pnpm install`: @sieve/core then falls back to its reference
// kernels with one clear warning. Set SIEVE_REQUIRE_NATIVE=1 (CI does) to make a failed build an
// error, and SIEVE_SKIP_NATIVE_BUILD=1 to skip the build entirely.
import { spawnSync } from "node:child_process";
import { existsSync, statSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const addon = join(root, "build", "Release", "sieve_kernels.node");
const force = process.argv.includes("--force");
const required = process.env.SIEVE_REQUIRE_NATIVE === "1";

if (process.env.SIEVE_SKIP_NATIVE_BUILD === "1") {
  console.warn("[sieve] SIEVE_SKIP_NATIVE_BUILD=1: not building the native addon");
  process.exit(0);
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (!force && existsSync(addon)) {
  const sources = Math.max(newestSource(join(root, "native")), statSync(join(root, "CMakeLists.txt")).mtimeMs);
  if (statSync(addon).mtimeMs >= sources) {
    console.log("[sieve] native addon is up to date:", addon);
    process.exit(0);
  }
}

const require = createRequire(import.meta.url);
const cmakeJs = join(dirname(require.resolve("cmake-js/package.json")), "bin", "cmake-js");
const jobs = String(Math.max(1, Number(process.env.SIEVE_BUILD_JOBS) || (await import("node:os")).availableParallelism()));
const args = [cmakeJs, "compile", "--directory", root, "--out", join(root, "build"), "--parallel", jobs];
if (process.env.SIEVE_CUDA === "0") args.push("--CDSIEVE_CUDA=OFF");

console.log(`[sieve] building the native addon (cmake-js, ${jobs} jobs)...`);
const started = Date.now();
const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd: root });
if (result.status === 0 && existsSync(addon)) {
  console.log(`[sieve] native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${addon}`);
  process.exit(0);
}
const message =
  "[sieve] the native addon did not build; @sieve/core will use its TypeScript reference kernels " +
  "(slow). Install cmake, make or ninja, and a C++17 compiler, then run `pnpm --filter @sieve/cuda-kernels build:addon`.";
if (required) {
  console.error(message.replace("did not build;", "did not build and SIEVE_REQUIRE_NATIVE=1;"));
  process.exit(1);
}
console.warn(message);
process.exit(0);
