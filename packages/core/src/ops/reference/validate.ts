/**
 * Argument checks shared by the reference kernels. Each throws a TypeError (wrong kind of value)
 * or a RangeError (wrong size or value) whose message names the op and the argument, so that a
 * caller's bug is reported where it happens instead of turning into NaNs or a silent overrun.
 */

type AnyArray = { length: number; constructor: { name: string } };

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as AnyArray).constructor?.name ?? "object";
  return typeof value;
}

export function requireF32(op: string, name: string, value: unknown): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) throw new TypeError(`${op}: ${name} must be a Float32Array, got ${kindOf(value)}`);
}

export function requireI32(op: string, name: string, value: unknown): asserts value is Int32Array {
  if (!(value instanceof Int32Array)) throw new TypeError(`${op}: ${name} must be an Int32Array, got ${kindOf(value)}`);
}

/** A non-negative integer (a size or a count). */
export function requireSize(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== "number") throw new TypeError(`${op}: ${name} must be a number, got ${kindOf(value)}`);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${value}`);
}

/** A positive integer (a dimension that must not be zero). */
export function requirePositive(op: string, name: string, value: unknown): asserts value is number {
  requireSize(op, name, value);
  if (value === 0) throw new RangeError(`${op}: ${name} must be at least 1, got 0`);
}

export function requireFinite(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== "number") throw new TypeError(`${op}: ${name} must be a number, got ${kindOf(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`${op}: ${name} must be finite, got ${value}`);
}

/** The array holds at least `needed` elements. */
export function requireLength(op: string, name: string, array: { length: number }, needed: number): void {
  if (array.length < needed) throw new RangeError(`${op}: ${name} has ${array.length} elements, needs ${needed}`);
}
