import { bf16BitsToF32, f16BitsToF32 } from "../../tensor/half.js";
import type { WeightData, WeightDType } from "../../backend/kernels.js";

/** Widens `count` weights starting at element `start` into `out` (f32). */
export function widenWeights(w: WeightData, dtype: WeightDType, start: number, count: number, out: Float32Array): Float32Array {
  if (dtype === "f32") {
    out.set((w as Float32Array).subarray(start, start + count));
  } else if (dtype === "f16") {
    for (let i = 0; i < count; i++) out[i] = f16BitsToF32(w[start + i]!);
  } else {
    for (let i = 0; i < count; i++) out[i] = bf16BitsToF32(w[start + i]!);
  }
  return out;
}

/** Checks that a weight array matches its declared dtype and holds at least `needed` elements. */
export function checkWeight(op: string, w: WeightData, dtype: WeightDType, needed: number): void {
  const isF32 = w instanceof Float32Array;
  if ((dtype === "f32") !== isF32 || (!isF32 && !(w instanceof Uint16Array))) {
    throw new TypeError(`${op}: weight dtype ${dtype} does not match a ${w.constructor.name}`);
  }
  if (w.length < needed) throw new RangeError(`${op}: weight has ${w.length} elements, needs ${needed}`);
}
