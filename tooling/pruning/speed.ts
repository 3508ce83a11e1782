/**
 * `pnpm exec tsx tooling/pruning/speed.ts [--preset tinyllama-1.1b] [--dtype f16|f32]
 *   [--variants dense,nm-2:4,nm-4:8,unstructured-50,unstructured-70,unstructured-90]
 *   [--tokens 8] [--rounds 5] [--threads N] [--workdir DIR] [--keep] [--no-children]
 *   [--json out.json] [--md docs/results/pruning-speed.md]`
 * Batch-1 decode tokens/s of the dense model vs its pruned variants, each next to its byte-count
 * ceiling, with bytes on disk, in memory and peak RSS per format (speed-run.ts). Set
 * SIEVE_NATIVE_ADDON to measure a particular addon build.
 */
import { launch } from "./launch.js";

await launch("./speed-run.ts");
