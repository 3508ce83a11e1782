/**
 * `pnpm exec tsx tooling/pruning/quality.ts [--json out.json] [--md docs/results/pruning-quality.md]
 *  [--samples 64] [--length 256] [--seed 1234] [--render earlier.json]`
 * Pruning quality on stories260K: perplexity, KL and top-1 agreement against the dense model for
 * magnitude, Wanda, SparseGPT (unstructured and N:M), reconstruction, OWL and structured pruning
 * (see quality-run.ts). Writes docs/results/pruning-quality.md.
 */
import { launch } from "./launch.js";

await launch("./quality-run.ts");
