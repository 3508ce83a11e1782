/** The dtype strings of the safetensors header and how they map onto Sieve dtypes. */
import type { DType } from "../tensor/dtype.js";

const FILE_TO_SIEVE: Readonly<Record<string, DType>> = {
  F64: "f64",
  F32: "f32",
  F16: "f16",
  BF16: "bf16",
  I64: "i64",
  I32: "i32",
  I16: "i16",
  I8: "i8",
  U8: "u8",
  BOOL: "bool",
};

const SIEVE_TO_FILE: Readonly<Record<DType, string>> = {
  f64: "F64",
  f32: "F32",
  f16: "F16",
  bf16: "BF16",
  i64: "I64",
  i32: "I32",
  i16: "I16",
  i8: "I8",
  u8: "U8",
  bool: "BOOL",
};

/**
 * Valid safetensors dtypes that Sieve has no storage for. They get their own error code so a user
 * learns "convert this checkpoint" rather than "this file is corrupt".
 */
const KNOWN_UNSUPPORTED: ReadonlySet<string> = new Set([
  "U16",
  "U32",
  "U64",
  "F8_E4M3",
  "F8_E5M2",
  "F8_E8M0",
  "E8M0",
  "F6_E2M3",
  "F6_E3M2",
  "F4",
  "C64",
]);

export const SUPPORTED_FILE_DTYPES: readonly string[] = Object.keys(FILE_TO_SIEVE);

/** The Sieve dtype for a header dtype string, or undefined when Sieve cannot hold it. */
export function sieveDTypeOf(fileDType: string): DType | undefined {
  return Object.prototype.hasOwnProperty.call(FILE_TO_SIEVE, fileDType) ? FILE_TO_SIEVE[fileDType] : undefined;
}

export function fileDTypeOf(dtype: DType): string {
  return SIEVE_TO_FILE[dtype];
}

export function isKnownUnsupportedDType(fileDType: string): boolean {
  return KNOWN_UNSUPPORTED.has(fileDType);
}
