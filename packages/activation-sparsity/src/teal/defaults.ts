/**
 * Most token rows per call for which TealLinear (and CatsMlp) still run the sparse kernels over
 * the union of the rows' kept inputs; above it, the dense input-major product on the thresholded
 * rows (the same kernels with every input, so the choice only matters where the union still skips
 * something). Measured with tooling/activation/kernel-bench.ts --batch (TinyLlama-1.1B shapes,
 * f16, 50% sparsity, random inputs; /tmp/teal-kernels-f16-batch.md of the run that set it): the
 * union skips ~25% of the weight rows at 2 rows (1.15-1.36x the dense input-major call), ~6% at 4
 * (0.96-1.07x on q/o, k/v, down: within noise) and under 0.5% from 8 on (0.93-1.11x: nothing to
 * gain, only the index list to walk). At 65% sparsity 4 rows still skip 18%, so 4 is where
 * skipping stops paying on this model. Above it the dense input-major product runs the few-rows
 * kernel up to 6 rows and the panel kernel from 7 (and for prefill): at 4 rows TEAL's better path
 * is 0.93-1.11x of the dense model's [out, in] kernel, at 8-16 rows 0.81-1.08x
 * (docs/results/activation-kernels-batch.md).
 */
export const DEFAULT_TEAL_DENSE_ABOVE = 4;
