/**
 * Magnitude masks for tests and benchmarks (the real pruning algorithms live in src/algorithms):
 * keep the largest |w| of a whole layer (unstructured) or of every group of m along a row (N:M).
 * Works on f32 weights and on f16 bits directly, so a 1B-parameter f16 model needs no f32 copy.
 */

/** A key that orders weights by |w|: the f16 bits without sign, or the top 16 bits of |f32| (2^-7 relative resolution). */
function magnitudeKeys(data: Float32Array | Uint16Array): { key: (i: number) => number; bins: number } {
  if (data instanceof Uint16Array) return { key: (i) => data[i]! & 0x7fff, bins: 0x8000 };
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  return { key: (i) => (bits[i]! & 0x7fffffff) >>> 16, bins: 0x8000 };
}

/**
 * Keeps round((1 - sparsity) * n) weights of largest magnitude; weights in the boundary bin are
 * kept in index order until the count is reached.
 */
export function magnitudeMask(data: Float32Array | Uint16Array, sparsity: number): Uint8Array {
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`magnitudeMask: sparsity must be in [0, 1], got ${sparsity}`);
  const n = data.length;
  const keep = Math.round((1 - sparsity) * n);
  const { key, bins } = magnitudeKeys(data);
  const hist = new Float64Array(bins);
  for (let i = 0; i < n; i++) hist[key(i)]!++;
  let threshold = bins;
  let above = 0;
  while (threshold > 0 && above + hist[threshold - 1]! <= keep) above += hist[--threshold]!;
  // Bins >= threshold are kept whole; bin threshold - 1 supplies the rest.
  let fromBoundary = keep - above;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (k >= threshold) mask[i] = 1;
    else if (k === threshold - 1 && fromBoundary > 0) {
      mask[i] = 1;
      fromBoundary--;
    }
  }
  return mask;
}

/**
 * In every group of m consecutive columns of each row, keeps the n weights of largest magnitude
 * (ties: the lower column). Selection by repeated maximum: no allocation per group, fast enough
 * for a 1B-parameter model.
 */
export function magnitudeNmMask(data: Float32Array | Uint16Array, rows: number, cols: number, n: number, m: number): Uint8Array {
  const { key } = magnitudeKeys(data);
  const magnitude = data instanceof Float32Array ? (i: number) => Math.abs(data[i]!) : key;
  const mask = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let base = r * cols, end = (r + 1) * cols; base < end; base += m) {
      const width = Math.min(m, end - base);
      for (let t = 0; t < Math.min(n, width); t++) {
        let best = -1;
        let bestMag = -1;
        for (let i = base; i < base + width; i++) {
          if (mask[i]) continue;
          const v = magnitude(i);
          if (v > bestMag) {
            bestMag = v;
            best = i;
          }
        }
        mask[best] = 1;
      }
    }
  }
  return mask;
}
