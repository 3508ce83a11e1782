/**
 * Test helpers: the native addon (or a clear skip), seeded random weights in every dtype with
 * their exact f32 values, thresholding, and a relative-error measure. Tests only.
 */
import { Rng, f32ToBf16Bits, f32ToF16Bits, loadNativeBackend, type NativeBackend, type WeightData, type WeightDType } from "@sieve/core";

/** The native backend, or null (skip) when the addon is missing; SIEVE_REQUIRE_NATIVE=1 makes that an error. */
export function nativeOrNull(): NativeBackend | null {
  if (process.env.SIEVE_BACKEND === "reference") return null;
  const loaded = loadNativeBackend();
  if (loaded.ok && typeof loaded.backend.addon.sparseGemvIm === "function") return loaded.backend;
  const reason = loaded.ok ? "the addon has no activation-sparse kernels (rebuild it)" : loaded.reason;
  if (process.env.SIEVE_REQUIRE_NATIVE === "1") throw new Error(reason);
  console.warn(`skipping native activation-sparse tests: ${reason}`);
  return null;
}

export function randomVector(rng: Rng, n: number, std = 1): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std);
}

/** Random weights in `dtype` plus the exact f32 value of every element. */
export function randomWeight(rng: Rng, n: number, dtype: WeightDType): { data: WeightData; f32: Float32Array } {
  const f = randomVector(rng, n, 0.5);
  if (dtype === "f32") return { data: f, f32: f };
  const bits = new Uint16Array(n);
  const toBits = dtype === "f16" ? f32ToF16Bits : f32ToBf16Bits;
  for (let i = 0; i < n; i++) bits[i] = toBits(f[i]!);
  const exact = new Float32Array(n);
  for (let i = 0; i < n; i++) exact[i] = dtype === "f16" ? f16(bits[i]!) : bf16(bits[i]!);
  return { data: bits, f32: exact };
}

function f16(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const bf16Bits = new Uint32Array(1);
const bf16Value = new Float32Array(bf16Bits.buffer);

function bf16(bits: number): number {
  bf16Bits[0] = bits << 16;
  return bf16Value[0]!;
}

/** x with |x| < t zeroed (t <= 0: unchanged). */
export function thresholded(x: Float32Array, t: number): Float32Array {
  return x.map((v) => (t > 0 && !(Math.abs(v) >= t) ? 0 : v));
}

/** The threshold that zeroes about `sparsity` of a standard normal's values. */
export function normalThreshold(sparsity: number): number {
  // Inverse of P(|z| < t) = erf(t / sqrt 2), by bisection: precise enough for test inputs.
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (erf(mid / Math.SQRT2) < sparsity) lo = mid;
    else hi = mid;
  }
  return lo;
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7).
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/** max |a - b| / max |b|. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    ref = Math.max(ref, Math.abs(expected[i]!));
  }
  return diff / Math.max(ref, 1e-30);
}

export { Rng };
