/**
 * Named scratch buffers reused across forward steps, so a decode step allocates nothing. A
 * buffer grows (to the next power of two) only when a larger batch arrives.
 *
 * Each name also keeps the view it handed out last: a decode loop asks for the same names at the
 * same sizes every step, and creating a typed-array view costs far more than the Map lookup,
 * so an unchanged request returns the very same view object.
 */
export class Scratch {
  private readonly f32 = new Map<string, Slot<Float32Array>>();
  private readonly i32 = new Map<string, Slot<Int32Array>>();

  /** A Float32Array view of exactly n elements under this name (contents are garbage). */
  floats(name: string, n: number): Float32Array {
    const slot = this.f32.get(name);
    if (slot !== undefined && slot.view.length === n) return slot.view;
    return viewOf(this.f32, name, n, slot, Float32Array);
  }

  ints(name: string, n: number): Int32Array {
    const slot = this.i32.get(name);
    if (slot !== undefined && slot.view.length === n) return slot.view;
    return viewOf(this.i32, name, n, slot, Int32Array);
  }

  /** Bytes currently held (reported as runtime overhead). */
  get bytes(): number {
    let total = 0;
    for (const s of this.f32.values()) total += s.buf.byteLength;
    for (const s of this.i32.values()) total += s.buf.byteLength;
    return total;
  }
}

/** A buffer and the last view of it handed out. */
interface Slot<T extends Float32Array | Int32Array> {
  buf: T;
  view: T;
}

/** The slow path: a new size under this name (grows the buffer when it is too small). */
function viewOf<T extends Float32Array | Int32Array>(
  slots: Map<string, Slot<T>>,
  name: string,
  n: number,
  slot: Slot<T> | undefined,
  make: new (length: number) => T,
): T {
  if (slot === undefined || slot.buf.length < n) {
    const buf = new make(nextCapacity(n));
    slot = { buf, view: buf };
    slots.set(name, slot);
  }
  slot.view = slot.buf.subarray(0, n) as T;
  return slot.view;
}

function nextCapacity(n: number): number {
  let c = 64;
  while (c < n) c *= 2;
  return c;
}
