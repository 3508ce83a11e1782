/**
 * Head-sparse attention projections (TypeScript): the q projection of selected heads only (each
 * head's rows of W_q are a contiguous block) and the o projection over selected heads only (each
 * head's columns of W_o are a contiguous run of headDim in every output row). Unselected heads'
 * weights are never read. The same head list serves every row given.
 */

export interface HeadProjectionWeights {
  dim: number;
  nHeads: number;
  headDim: number;
  /** [nHeads * headDim, dim] */
  q: Float32Array;
  qBias: Float32Array | null;
  /** [dim, nHeads * headDim] */
  o: Float32Array;
  oBias: Float32Array | null;
}

/**
 * q[t, h*headDim + i] = W_q[h*headDim + i, :] · x[t, :] (+ bias) for the listed heads; the other
 * heads' entries of q are set to 0.
 */
export function headSubsetQuery(q: Float32Array, x: Float32Array, rows: number, w: HeadProjectionWeights, heads: Int32Array, count: number): void {
  const { dim, nHeads, headDim } = w;
  const qDim = nHeads * headDim;
  q.fill(0, 0, rows * qDim);
  for (let n = 0; n < count; n++) {
    const first = heads[n]! * headDim;
    for (let i = first; i < first + headDim; i++) {
      const wo = i * dim;
      const b = w.qBias ? w.qBias[i]! : 0;
      for (let t = 0; t < rows; t++) {
        const xo = t * dim;
        let s = b;
        for (let c = 0; c < dim; c++) s += w.q[wo + c]! * x[xo + c]!;
        q[t * qDim + i] = s;
      }
    }
  }
}

/** out[t, :] = sum over listed heads h of W_o[:, head h] · attn[t, head h] (+ bias). */
export function headSubsetOutput(out: Float32Array, attn: Float32Array, rows: number, w: HeadProjectionWeights, heads: Int32Array, count: number): void {
  const { dim, nHeads, headDim } = w;
  const qDim = nHeads * headDim;
  for (let t = 0; t < rows; t++) {
    const ao = t * qDim;
    for (let o = 0; o < dim; o++) {
      const wo = o * qDim;
      let s = w.oBias ? w.oBias[o]! : 0;
      for (let n = 0; n < count; n++) {
        const seg = heads[n]! * headDim;
        for (let i = seg; i < seg + headDim; i++) s += w.o[wo + i]! * attn[ao + i]!;
      }
      out[t * dim + o] = s;
    }
  }
}
