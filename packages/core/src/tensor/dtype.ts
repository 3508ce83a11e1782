/**
 * Element types a Tensor can hold. Half-precision types are stored as raw 16-bit patterns in a
 * Uint16Array because Node 20 has no Float16Array; native code widens them.
 */
export type DType = "f64" | "f32" | "f16" | "bf16" | "i64" | "i32" | "i16" | "i8" | "u8" | "bool";

/** The typed array that backs each dtype. */
export interface StorageOf {
  f64: Float64Array;
  f32: Float32Array;
  f16: Uint16Array;
  bf16: Uint16Array;
  i64: BigInt64Array;
  i32: Int32Array;
  i16: Int16Array;
  i8: Int8Array;
  u8: Uint8Array;
  bool: Uint8Array;
}

export type Storage = StorageOf[DType];

/** Dtypes whose elements convert to and from JS numbers (everything but i64). */
export type NumericDType = Exclude<DType, "i64">;

export const DTYPES: readonly DType[] = ["f64", "f32", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool"];

const BYTES: Record<DType, number> = {
  f64: 8,
  f32: 4,
  f16: 2,
  bf16: 2,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u8: 1,
  bool: 1,
};

/** Bytes per element. */
export function dtypeBytes(dtype: DType): number {
  return BYTES[dtype];
}

export function isDType(value: string): value is DType {
  return Object.prototype.hasOwnProperty.call(BYTES, value);
}

export function isFloatDType(dtype: DType): boolean {
  return dtype === "f64" || dtype === "f32" || dtype === "f16" || dtype === "bf16";
}

/** Allocates zeroed storage for `length` elements of a dtype (allocStorage, or a weight allocator). */
export type StorageAllocator = <D extends DType>(dtype: D, length: number) => StorageOf[D];

/** Allocates zeroed storage for `length` elements. */
export function allocStorage<D extends DType>(dtype: D, length: number): StorageOf[D] {
  return storageCtor(dtype).alloc(length) as StorageOf[D];
}

/** Views `byteLength` bytes of `buffer` at `byteOffset` as storage of `dtype` (no copy; offset must be aligned). */
export function viewStorage<D extends DType>(
  dtype: D,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): StorageOf[D] {
  return storageCtor(dtype).view(buffer, byteOffset, length) as StorageOf[D];
}

interface Ctor {
  alloc(n: number): Storage;
  view(b: ArrayBufferLike, off: number, n: number): Storage;
}

function storageCtor(dtype: DType): Ctor {
  switch (dtype) {
    case "f64":
      return { alloc: (n) => new Float64Array(n), view: (b, o, n) => new Float64Array(b, o, n) };
    case "f32":
      return { alloc: (n) => new Float32Array(n), view: (b, o, n) => new Float32Array(b, o, n) };
    case "f16":
    case "bf16":
      return { alloc: (n) => new Uint16Array(n), view: (b, o, n) => new Uint16Array(b, o, n) };
    case "i64":
      return { alloc: (n) => new BigInt64Array(n), view: (b, o, n) => new BigInt64Array(b, o, n) };
    case "i32":
      return { alloc: (n) => new Int32Array(n), view: (b, o, n) => new Int32Array(b, o, n) };
    case "i16":
      return { alloc: (n) => new Int16Array(n), view: (b, o, n) => new Int16Array(b, o, n) };
    case "i8":
      return { alloc: (n) => new Int8Array(n), view: (b, o, n) => new Int8Array(b, o, n) };
    case "u8":
    case "bool":
      return { alloc: (n) => new Uint8Array(n), view: (b, o, n) => new Uint8Array(b, o, n) };
  }
}
