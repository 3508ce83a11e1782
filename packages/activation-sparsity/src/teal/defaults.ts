/**
 * Most token rows per call for which TealLinear still runs the sparse (union of kept inputs)
 * kernels; above it, the dense input-major GEMM on the thresholded rows. Measured with
 * tooling/activation/speed.ts (batch sweep in docs/results/activation-speed.md): at 50% sparsity
 * the union of a few rows' kept inputs already covers most inputs, and the sparse kernel's
 * gather costs more than the skipped rows save.
 */
export const DEFAULT_TEAL_DENSE_ABOVE = 4;
