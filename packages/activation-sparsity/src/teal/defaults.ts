/**
 * Most token rows per call for which TealLinear (and CatsMlp) still run the sparse kernels over
 * the union of the rows' kept inputs; above it, the dense input-major product on the thresholded
 * rows. Measured with tooling/activation/speed.ts on TinyLlama-1.1B f16 at 50% sparsity (batch
 * sweep in docs/results/activation-speed.md): the union still skips 25% of the weight rows at 2
 * rows and 6% at 4, and nothing from 8 on (the union of 8 rows' kept inputs is everything), where
 * both paths run the same streaming kernel; prefill-sized batches go to the packed GEMM dense.
 */
export const DEFAULT_TEAL_DENSE_ABOVE = 8;
