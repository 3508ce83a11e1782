/** Native kernels for activation sparsity (TEAL column skipping, CATS, DejaVu sparse MLP). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ActivationSparseOps {}
