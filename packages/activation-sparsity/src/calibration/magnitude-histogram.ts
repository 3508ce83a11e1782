/**
 * A histogram of |x| over calibration activations, from which a threshold for any target
 * sparsity is read (TEAL, CATS). Bins come straight from the float32 bit pattern of |x|: its top
 * 16 bits (8 exponent bits and 7 mantissa bits), i.e. 128 bins per octave, each at most 0.8% wide
 * relative to its value, over the whole float range. No log, no range to guess in advance, and
 * adding a value is one shift and one increment — the same resolution at 1e-4 as at 10.
 */

const BINS = 1 << 15; // |x| has its sign bit clear: bit patterns below 2^31, top 16 bits below 2^15

const bitsView = new Uint32Array(1);
const floatView = new Float32Array(bitsView.buffer);

/** The float whose bit pattern is `bits`. */
function floatOfBits(bits: number): number {
  bitsView[0] = bits;
  return floatView[0]!;
}

export class MagnitudeHistogram {
  readonly counts = new Float64Array(BINS);
  /** Values added. */
  total = 0;

  /** Adds |x[i]| for i < count (default all of x). */
  add(x: Float32Array, count: number = x.length): void {
    const bits = new Uint32Array(x.buffer, x.byteOffset, count);
    const counts = this.counts;
    for (let i = 0; i < count; i++) counts[(bits[i]! & 0x7fffffff) >>> 16]!++;
    this.total += count;
  }

  merge(other: MagnitudeHistogram): void {
    for (let b = 0; b < BINS; b++) this.counts[b]! += other.counts[b]!;
    this.total += other.total;
  }

  /**
   * The threshold t such that a fraction `sparsity` of the values have |x| < t (interpolated
   * linearly inside the bin where that fraction is reached). 0 for sparsity <= 0.
   */
  threshold(sparsity: number): number {
    if (!(sparsity > 0) || this.total === 0) return 0;
    const target = Math.min(1, sparsity) * this.total;
    let below = 0;
    for (let b = 0; b < BINS; b++) {
      const c = this.counts[b]!;
      if (c > 0 && below + c >= target) {
        const lo = floatOfBits(b << 16);
        const hi = floatOfBits(((b + 1) << 16) >>> 0);
        return lo + ((target - below) / c) * (hi - lo);
      }
      below += c;
    }
    return floatOfBits(0x7f7fffff); // every value is below the largest float
  }

  /** The fraction of values with |x| < t, as the histogram sees it (interpolated inside a bin). */
  fractionBelow(t: number): number {
    if (!(t > 0) || this.total === 0) return 0;
    floatView[0] = t;
    const bin = (bitsView[0]! & 0x7fffffff) >>> 16;
    let below = 0;
    for (let b = 0; b < bin; b++) below += this.counts[b]!;
    const lo = floatOfBits(bin << 16);
    const hi = floatOfBits(((bin + 1) << 16) >>> 0);
    below += this.counts[bin]! * Math.min(1, Math.max(0, (t - lo) / (hi - lo)));
    return below / this.total;
  }
}
