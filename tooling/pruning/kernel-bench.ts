/**
 * `SIEVE_NATIVE_ADDON=... pnpm exec tsx tooling/pruning/kernel-bench.ts [options]`: bytes streamed per
 * second by the pruned-weight kernels at TinyLlama-1.1B's shapes, vs a read-bandwidth probe and the
 * dense kernel (kernel-bench-run.ts documents the options and the method).
 */
import { launch } from "./launch.js";

await launch("./kernel-bench-run.ts");
