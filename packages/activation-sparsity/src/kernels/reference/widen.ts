import { bf16BitsToF32, f16BitsToF32, type WeightData, type WeightDType } from "@sieve/core";

/** Weight element i as a number (f16/bf16 weights are raw bits in a Uint16Array). */
export function weightAt(w: WeightData, dtype: WeightDType, i: number): number {
  if (dtype === "f32") return w[i]!;
  return dtype === "f16" ? f16BitsToF32(w[i]!) : bf16BitsToF32(w[i]!);
}

/** Widens w[start, start + count) into out. */
export function widenRow(w: WeightData, dtype: WeightDType, start: number, count: number, out: Float32Array): Float32Array {
  if (dtype === "f32") out.set((w as Float32Array).subarray(start, start + count));
  else for (let i = 0; i < count; i++) out[i] = weightAt(w, dtype, start + i);
  return out;
}
