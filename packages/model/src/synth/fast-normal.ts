/**
 * Fast deterministic "normal" fills for synthetic weights. Drawing 1.1 billion Box-Muller normals
 * and rounding each to f16 would take minutes in JS; instead each element is a lookup into a
 * 65,536-entry table of standard-normal values, already scaled and encoded in the target dtype,
 * indexed by the two 16-bit halves of a xorshift32 stream. Per element that is a few integer ops
 * and one store (~1 ns), so a 1.1B-parameter model fills in a few seconds.
 *
 * The table holds 65,536 draws from core's Rng (fixed seed), shifted and scaled to mean exactly 0
 * and variance exactly 1, so every tensor has the intended mean and std up to sampling noise. The
 * values are quantized to 65,536 levels, which is irrelevant for speed and memory work, the only
 * use of synthetic models. Each tensor's stream is seeded from (seed, tensor name), so a tensor's
 * values do not depend on which other tensors were generated before it.
 */
import { f32ToBf16Bits, f32ToF16Bits, Rng } from "@sieve/core";

export type SynthDType = "f32" | "f16" | "bf16";

const TABLE_SIZE = 1 << 16;
const TABLE_SEED = 0x5eed;

let standardTable: Float64Array | undefined;

/** 65,536 standard-normal values with mean exactly 0 and variance exactly 1. */
function standardNormalTable(): Float64Array {
  if (standardTable) return standardTable;
  const rng = new Rng(TABLE_SEED);
  const t = new Float64Array(TABLE_SIZE);
  let sum = 0;
  for (let i = 0; i < TABLE_SIZE; i++) sum += t[i] = rng.normal();
  const mean = sum / TABLE_SIZE;
  let sq = 0;
  for (let i = 0; i < TABLE_SIZE; i++) sq += (t[i]! - mean) ** 2;
  const inv = 1 / Math.sqrt(sq / TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) t[i] = (t[i]! - mean) * inv;
  return (standardTable = t);
}

const encodedTables = new Map<string, Float32Array | Uint16Array>();

/** The table scaled to mean/std and encoded as the dtype's storage (f16/bf16 as bit patterns). */
function encodedTable(dtype: SynthDType, mean: number, std: number): Float32Array | Uint16Array {
  const key = `${dtype}:${mean}:${std}`;
  let table = encodedTables.get(key);
  if (!table) {
    const base = standardNormalTable();
    table = dtype === "f32" ? new Float32Array(TABLE_SIZE) : new Uint16Array(TABLE_SIZE);
    const encode = dtype === "f16" ? f32ToF16Bits : dtype === "bf16" ? f32ToBf16Bits : (v: number) => v;
    for (let i = 0; i < TABLE_SIZE; i++) table[i] = encode(mean + std * base[i]!);
    encodedTables.set(key, table);
  }
  return table;
}

/** A nonzero 32-bit xorshift state from a seed and a tensor name (FNV-1a, then a murmur mix). */
export function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 0x9e3779b9 | 0 : h | 0;
}

/**
 * Fills `out` (Float32Array for f32, Uint16Array bits for f16/bf16) with approximately normal
 * values of the given mean and std, deterministically from `state` (a streamSeed).
 */
export function fillFastNormal(out: Float32Array | Uint16Array, dtype: SynthDType, mean: number, std: number, state: number): void {
  const table = encodedTable(dtype, mean, std);
  let x = state | 0 || 1;
  const n = out.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = table[x >>> 16]!;
    out[i + 1] = table[x & 0xffff]!;
  }
  if (i < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = table[x >>> 16]!;
  }
}
