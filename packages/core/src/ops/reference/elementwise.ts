/**
 * Reference elementwise kernels. Each writes out[i] for every i < out.length and reads the same
 * index of its inputs, so out may be one of the inputs (in place). Math runs in float64 and is
 * rounded once on store.
 */
import type { GeluApproximation } from "../../backend/kernels.js";
import { erf } from "./erf.js";
import { requireF32, requireFinite, requireLength } from "./validate.js";

/** Checks out and each input: Float32Arrays, inputs at least as long as out. */
function checkUnary(op: string, out: unknown, inputs: Record<string, unknown>): asserts out is Float32Array {
  requireF32(op, "out", out);
  for (const [name, input] of Object.entries(inputs)) {
    requireF32(op, name, input);
    requireLength(op, name, input, out.length);
  }
}

/** out[i] = a[i] + b[i] for i < out.length. */
export function add(out: Float32Array, a: Float32Array, b: Float32Array): void {
  checkUnary("add", out, { a, b });
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
}

/** out[i] = a[i] * b[i]. */
export function mul(out: Float32Array, a: Float32Array, b: Float32Array): void {
  checkUnary("mul", out, { a, b });
  for (let i = 0; i < out.length; i++) out[i] = a[i]! * b[i]!;
}

/** out[i] = a[i] * s. */
export function scale(out: Float32Array, a: Float32Array, s: number): void {
  checkUnary("scale", out, { a });
  requireFinite("scale", "s", s);
  const sf = Math.fround(s); // the native kernels multiply by s as an f32
  for (let i = 0; i < out.length; i++) out[i] = a[i]! * sf;
}

/** silu(x) = x * sigmoid(x) = x / (1 + e^-x). */
export function siluScalar(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
export function geluErfScalar(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** The tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluTanhScalar(x: number): number {
  const u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1 + Math.tanh(u));
}

export function silu(out: Float32Array, x: Float32Array): void {
  checkUnary("silu", out, { x });
  for (let i = 0; i < out.length; i++) out[i] = siluScalar(x[i]!);
}

export function gelu(out: Float32Array, x: Float32Array, approximate: GeluApproximation): void {
  checkUnary("gelu", out, { x });
  let f: (v: number) => number;
  if (approximate === "none") f = geluErfScalar;
  else if (approximate === "tanh") f = geluTanhScalar;
  else throw new RangeError(`gelu: approximate must be "none" or "tanh", got ${String(approximate)}`);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!);
}

/** relu(x) = max(x, 0); NaN stays NaN. */
export function relu(out: Float32Array, x: Float32Array): void {
  checkUnary("relu", out, { x });
  for (let i = 0; i < out.length; i++) {
    const v = x[i]!;
    out[i] = v < 0 ? 0 : v;
  }
}

/** out[i] = silu(gate[i]) * up[i]. */
export function swiglu(out: Float32Array, gate: Float32Array, up: Float32Array): void {
  checkUnary("swiglu", out, { gate, up });
  for (let i = 0; i < out.length; i++) out[i] = siluScalar(gate[i]!) * up[i]!;
}
