import { allocWeightStorage, bf16BitsToF32, f16BitsToF32, f32ToF16Bits, type WeightData, type WeightDType } from "@sieve/core";

/**
 * A weight in another dtype, same layout: f32 -> f16 (round to nearest even) or anything -> f32
 * (exact). The same array when the dtype does not change.
 */
export function convertWeight(w: WeightData, from: WeightDType, to: WeightDType): WeightData {
  if (from === to) return w;
  if (from === "f32" && to === "f16") {
    const out = allocWeightStorage("f16", w.length);
    for (let i = 0; i < w.length; i++) out[i] = f32ToF16Bits(w[i]!);
    return out;
  }
  if (to === "f32") {
    const widen = from === "f16" ? f16BitsToF32 : bf16BitsToF32;
    const out = allocWeightStorage("f32", w.length);
    for (let i = 0; i < w.length; i++) out[i] = widen(w[i]!);
    return out;
  }
  throw new RangeError(`convertWeight: cannot convert ${from} weights to ${to}`);
}
