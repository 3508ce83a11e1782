/** Native kernels for pruned weights (N:M compressed and unstructured formats). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SparseWeightOps {}
