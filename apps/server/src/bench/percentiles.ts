/**
 * Percentiles of latency samples. Linear interpolation between the two nearest ranks (numpy's
 * default), so p50 of [1, 2] is 1.5 and p99 of a handful of samples lies between the two largest
 * rather than jumping to the maximum.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError("percentile: no samples");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be in [0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** p50 and p99 of the samples, or nulls when there are none (e.g. ITL of one-token requests). */
export function p50p99(samples: readonly number[]): { p50: number | null; p99: number | null } {
  if (samples.length === 0) return { p50: null, p99: null };
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}
