/**
 * DejaVu reads the dense weights behind a block's linears: to label calibration tokens (down and
 * o_proj columns) and to run the sparse kernels, which touch only selected rows and columns.
 * The TypeScript kernels work on f32; half-precision weights are widened once, when DejaVu is
 * applied (a memory cost the native kernel will not have).
 */
import { DenseLinear, bf16ArrayToF32, f16ArrayToF32, type LinearLayer } from "@sieve/core";

/** The linear as a DenseLinear, or an error that says why DejaVu needs one. */
export function requireDense(linear: LinearLayer, slot: string): DenseLinear {
  if (linear instanceof DenseLinear) return linear;
  throw new TypeError(
    `DejaVu needs the dense weight of ${slot}, but that slot holds a "${linear.describe().kind}" linear. ` +
      "Apply DejaVu (and train its predictors) on the dense model, before weight pruning or TEAL/CATS replace its linears.",
  );
}

/** The [out, in] weight of a dense linear as f32 (the stored array itself when already f32). */
export function denseWeightF32(layer: LinearLayer, slot: string): Float32Array {
  const linear = requireDense(layer, slot);
  const w = linear.weight;
  if (linear.dtype === "f32") return w as Float32Array;
  return linear.dtype === "f16" ? f16ArrayToF32(w as Uint16Array) : bf16ArrayToF32(w as Uint16Array);
}

/** The bias of a dense linear, or null. */
export function denseBias(linear: LinearLayer): Float32Array | null {
  return linear instanceof DenseLinear ? linear.bias : null;
}

/** w[rows, cols] -> w^T[cols, rows]. */
export function transposeF32(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const src = r * cols;
    for (let c = 0; c < cols; c++) t[c * rows + r] = w[src + c]!;
  }
  return t;
}
