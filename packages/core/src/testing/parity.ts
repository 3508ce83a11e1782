/**
 * Helpers for parity tests: a native backend (or a clear skip), random inputs from a seeded RNG,
 * and relative-error comparison. Tests only; not exported from the package index.
 */
import { Rng } from "../tensor/rng.js";
import { f32ToBf16Bits, f32ToF16Bits } from "../tensor/half.js";
import { loadNativeBackend, type NativeBackend } from "../backend/native.js";
import type { WeightDType } from "../backend/kernels.js";

/**
 * The native backend, or null when the addon is missing. With SIEVE_REQUIRE_NATIVE=1 (CI), a
 * missing addon is an error instead of a skip, so a broken build cannot pass silently.
 */
export function nativeBackendOrNull(): NativeBackend | null {
  // The reference-backend pass of the suite checks the stack without the addon; parity tests
  // already ran in the native pass.
  if (process.env.SIEVE_BACKEND === "reference") return null;
  const loaded = loadNativeBackend();
  if (loaded.ok) return loaded.backend;
  if (process.env.SIEVE_REQUIRE_NATIVE === "1") throw new Error(loaded.reason);
  return null;
}

export function randomF32(rng: Rng, n: number, std = 1): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std);
}

/** Random weights of a dtype, plus their exact f32 values (what a reference should multiply by). */
export function randomWeights(rng: Rng, n: number, dtype: WeightDType, std = 1): { data: Float32Array | Uint16Array; f32: Float32Array } {
  const f32 = randomF32(rng, n, std);
  if (dtype === "f32") return { data: f32, f32 };
  const bits = new Uint16Array(n);
  const toBits = dtype === "f16" ? f32ToF16Bits : f32ToBf16Bits;
  for (let i = 0; i < n; i++) bits[i] = toBits(f32[i]!);
  return { data: bits, f32 };
}

/** max |a - b| / max(max |b|, tiny): a relative error over the whole array. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

export { Rng };
