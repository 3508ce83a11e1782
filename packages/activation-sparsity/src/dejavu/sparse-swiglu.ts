/**
 * The neuron-sparse SwiGLU MLP kernel (TypeScript): for the selected neurons only, it reads the
 * neuron's row of W_gate and W_up and its column of W_down, so the bytes read scale with the
 * budget. W_down is stored transposed ([hidden, dim]) so each neuron's column is contiguous.
 * The same neuron list serves every row given (the batch union); loop order is neuron-outer so a
 * batch reads each selected weight once.
 */

/** One MLP's weights laid out for neuron-sparse computation (all f32). */
export interface SparseSwiGluWeights {
  dim: number;
  hidden: number;
  /** [hidden, dim]: row j holds neuron j's gate weights. */
  gate: Float32Array;
  /** [hidden, dim]: row j holds neuron j's up weights. */
  up: Float32Array;
  /** [hidden, dim]: row j is column j of W_down, what neuron j writes to the residual. */
  downT: Float32Array;
}

/**
 * out[t, :] = sum over j in neurons[0..count) of silu(gate_j · x_t) * (up_j · x_t) * downT_j,
 * for t < rows; x is [rows, dim], out is [rows, dim] (overwritten).
 */
export function sparseSwiGlu(out: Float32Array, x: Float32Array, rows: number, w: SparseSwiGluWeights, neurons: Int32Array, count: number): void {
  const { dim, gate, up, downT } = w;
  out.fill(0, 0, rows * dim);
  for (let n = 0; n < count; n++) {
    const wo = neurons[n]! * dim;
    for (let t = 0; t < rows; t++) {
      const xo = t * dim;
      let g = 0;
      let u = 0;
      for (let i = 0; i < dim; i++) {
        const xi = x[xo + i]!;
        g += gate[wo + i]! * xi;
        u += up[wo + i]! * xi;
      }
      const a = (g / (1 + Math.exp(-g))) * u;
      if (a === 0) continue;
      for (let i = 0; i < dim; i++) out[xo + i]! += a * downT[wo + i]!;
    }
  }
}
