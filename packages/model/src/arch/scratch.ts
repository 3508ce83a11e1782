/**
 * Named scratch buffers reused across forward steps, so a decode step allocates nothing. A
 * buffer grows (to the next power of two) only when a larger batch arrives.
 */
export class Scratch {
  private readonly f32 = new Map<string, Float32Array>();
  private readonly i32 = new Map<string, Int32Array>();

  /** A Float32Array view of exactly n elements under this name (contents are garbage). */
  floats(name: string, n: number): Float32Array {
    let buf = this.f32.get(name);
    if (!buf || buf.length < n) {
      buf = new Float32Array(nextCapacity(n));
      this.f32.set(name, buf);
    }
    return buf.subarray(0, n);
  }

  ints(name: string, n: number): Int32Array {
    let buf = this.i32.get(name);
    if (!buf || buf.length < n) {
      buf = new Int32Array(nextCapacity(n));
      this.i32.set(name, buf);
    }
    return buf.subarray(0, n);
  }

  /** Bytes currently held (reported as runtime overhead). */
  get bytes(): number {
    let total = 0;
    for (const b of this.f32.values()) total += b.byteLength;
    for (const b of this.i32.values()) total += b.byteLength;
    return total;
  }
}

function nextCapacity(n: number): number {
  let c = 64;
  while (c < n) c *= 2;
  return c;
}
