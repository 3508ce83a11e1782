/**
 * `pnpm exec tsx tooling/pruning/format-choice.ts [--shapes 2048x2048,5632x2048]
 *  [--sparsities 50,60,70,80,90,95] [--threads 1,2] [--ws-mb 512] [--repeats 5] [--json out.json]`
 * Batch-1 GEMV speed of the unstructured formats vs dense f16 (see format-choice-run.ts).
 * Set SIEVE_NATIVE_ADDON to measure a particular addon build.
 */
import { launch } from "./launch.js";

await launch("./format-choice-run.ts");
