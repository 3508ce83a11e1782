/**
 * What "important" means when DejaVu labels calibration tokens, and the helpers that compute it.
 *
 * - MLP neuron j of a block matters for a token by how much it adds to the residual stream:
 *   |silu(gate_j(x)) * up_j(x)| * ||W_down[:, j]||, the L2 norm of its down-projected
 *   contribution (the activation alone would ignore that some neurons write tiny columns).
 * - Attention head h matters by the L2 norm of its contribution to the output,
 *   ||W_o[:, head h] · attn_h||, i.e. o_proj applied to that head's attention output alone.
 * - Labels mark, per token, the top `fraction` of neurons (or heads) by that score: a token-relative
 *   top-K rather than an absolute threshold, so every token has the same number of positives
 *   whatever the scale of its activations.
 */

/** How many of n items a budget fraction keeps: rounded, at least 1, at most n. */
export function keepCount(budget: number, n: number): number {
  if (!(budget > 0 && budget <= 1)) throw new RangeError(`DejaVu budget must be a fraction in (0, 1], got ${budget}`);
  return Math.min(n, Math.max(1, Math.round(budget * n)));
}

/** ||W_down[:, j]|| for each neuron j; down is [dim, hidden] f32 (the Hugging Face layout). */
export function downColumnNorms(down: Float32Array, dim: number, hidden: number): Float32Array {
  const sq = new Float64Array(hidden);
  for (let o = 0; o < dim; o++) {
    const row = o * hidden;
    for (let j = 0; j < hidden; j++) sq[j]! += down[row + j]! ** 2;
  }
  return Float32Array.from(sq, Math.sqrt);
}

/** out[t, j] = |act[t, j]| * columnNorms[j]: each neuron's contribution norm per token. */
export function neuronContributions(out: Float32Array, act: Float32Array, rows: number, columnNorms: Float32Array): void {
  const hidden = columnNorms.length;
  for (let t = 0; t < rows; t++) {
    for (let j = 0; j < hidden; j++) out[t * hidden + j] = Math.abs(act[t * hidden + j]!) * columnNorms[j]!;
  }
}

/**
 * out[t, h] = || W_o[:, h*headDim : (h+1)*headDim] · attn[t, h*headDim : (h+1)*headDim] ||.
 * oWeight is [dim, nHeads * headDim] f32; attn is the o_proj input [rows, nHeads * headDim].
 */
export function headContributions(out: Float32Array, attn: Float32Array, rows: number, oWeight: Float32Array, dim: number, nHeads: number, headDim: number): void {
  const qDim = nHeads * headDim;
  for (let t = 0; t < rows; t++) {
    const a = t * qDim;
    for (let h = 0; h < nHeads; h++) {
      let sq = 0;
      const seg = h * headDim;
      for (let o = 0; o < dim; o++) {
        const w = o * qDim + seg;
        let s = 0;
        for (let i = 0; i < headDim; i++) s += oWeight[w + i]! * attn[a + seg + i]!;
        sq += s * s;
      }
      out[t * nHeads + h] = Math.sqrt(sq);
    }
  }
}

/** Indices of the k largest values of row (ties: lower index first), written to `into`. */
export function topIndices(row: ArrayLike<number>, k: number, into: Int32Array = new Int32Array(k)): Int32Array {
  const order = Array.from({ length: row.length }, (_, j) => j);
  order.sort((a, b) => row[b]! - row[a]! || a - b);
  for (let i = 0; i < k; i++) into[i] = order[i]!;
  return into;
}

/** labels[t, j] = 1 when j is among the top `fraction` of row t's scores. */
export function topFractionLabels(scores: Float32Array, rows: number, n: number, fraction: number): Uint8Array {
  const k = keepCount(fraction, n);
  const labels = new Uint8Array(rows * n);
  const picked = new Int32Array(k);
  for (let t = 0; t < rows; t++) {
    topIndices(scores.subarray(t * n, (t + 1) * n), k, picked);
    for (let i = 0; i < k; i++) labels[t * n + picked[i]!] = 1;
  }
  return labels;
}

/**
 * Cost-sensitive weights for the labels of topFractionLabels: weights[t, j] = |c[t, j] - tau_t|,
 * scaled to mean 1 per row, where tau_t is the keep/drop boundary of row t (midway between its
 * K-th and (K+1)-th largest contributions). Swapping a kept neuron i for a dropped one j loses
 * c_i - c_j of contribution mass, so mislabelling a neuron far from the boundary costs much more
 * than one at the boundary, whose choice barely matters; an unweighted BCE spends its capacity
 * on those near-ties (recall) rather than on the mass that moves the output (perplexity).
 */
export function marginWeights(scores: Float32Array, rows: number, n: number, fraction: number): Float32Array {
  const k = keepCount(fraction, n);
  const weights = new Float32Array(rows * n);
  const sorted = new Float32Array(n);
  for (let t = 0; t < rows; t++) {
    const row = scores.subarray(t * n, (t + 1) * n);
    sorted.set(row);
    sorted.sort();
    // Ascending: the K-th largest is at n - k; with k = n every item is kept and the boundary sits below the smallest.
    const tau = k < n ? (sorted[n - k]! + sorted[n - k - 1]!) / 2 : sorted[0]! - 1;
    const w = weights.subarray(t * n, (t + 1) * n);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += w[j] = Math.abs(row[j]! - tau);
    if (sum > 0) for (let j = 0; j < n; j++) w[j]! *= n / sum;
    else w.fill(1);
  }
  return weights;
}
