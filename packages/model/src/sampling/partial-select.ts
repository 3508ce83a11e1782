/**
 * Partial selection of the largest values of a row, so that top-k, top-p and top-logprobs never
 * sort a whole 32k-150k vocabulary. A binary min-heap of k indices (its root the worst kept) is
 * filled in one pass: O(V) comparisons against the root plus O(log k) per replacement, which is
 * rare once the heap holds the large values. Ties go to the lower index, like argmax.
 */

/** Orders indices by value descending, then index ascending. */
export function byValueDescending(values: ArrayLike<number>): (a: number, b: number) => number {
  return (a, b) => values[b]! - values[a]! || a - b;
}

/**
 * Writes the indices of the min(k, values.length) largest values into out[0..count), sorted by
 * value descending (lower index first on ties), and returns count. NaNs must not be present.
 */
export function selectTopK(values: ArrayLike<number>, k: number, out: Int32Array): number {
  const n = values.length;
  const count = Math.min(k, n);
  if (count <= 0) return 0;
  if (out.length < count) throw new RangeError(`selectTopK: out holds ${out.length} indices, ${count} needed`);
  const heap = out;
  let size = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (size < count) {
      // Sift up: a new element rises while it is worse than its parent.
      let c = size++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        const pi = heap[parent]!;
        if (!worse(values, i, pi)) break;
        heap[c] = pi;
        c = parent;
      }
      heap[c] = i;
    } else if (v > values[heap[0]!]!) {
      // Indices arrive ascending, so an equal value never beats the root (which has the lower index).
      siftDown(values, heap, size, i);
    }
  }
  heap.subarray(0, count).sort(byValueDescending(values));
  return count;
}

/** a ranks below b: smaller value, or equal value and higher index. */
function worse(values: ArrayLike<number>, a: number, b: number): boolean {
  const va = values[a]!;
  const vb = values[b]!;
  return va < vb || (va === vb && a > b);
}

/** Replaces the root with `item` and restores the min-heap order. */
function siftDown(values: ArrayLike<number>, heap: Int32Array, size: number, item: number): void {
  let c = 0;
  for (;;) {
    const left = 2 * c + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && worse(values, heap[right]!, heap[left]!) ? right : left;
    if (!worse(values, heap[child]!, item)) break;
    heap[c] = heap[child]!;
    c = child;
  }
  heap[c] = item;
}
