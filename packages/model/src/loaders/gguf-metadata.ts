/**
 * Reading GGUF metadata values as the loader needs them. Values come from @huggingface/gguf's
 * typedMetadata ({ value, type, subType }), whose types tell f32 values from f64 ones.
 */
import { GGUF_VALUE } from "./gguf-format.js";

export type GgufTypedValue = { value: unknown; type: number; subType?: number };
export type GgufMetadata = Record<string, GgufTypedValue>;

/** llama.cpp writes u32 -1 for "no such token" (e.g. tokenizer.ggml.padding_token_id). */
const NO_TOKEN = 0xffffffff;

/**
 * A float32 metadata value as the shortest decimal that rounds to the same float32, so that an
 * epsilon stored as f32(1e-5) = 9.99999974738e-6 reads back as 1e-5, as in the source config.
 */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** One metadata value as a JS number (u64/i64 arrive as bigint; f32 are shortened). */
export function ggufNumber(meta: GgufMetadata, key: string): number | undefined {
  const entry = meta[key];
  if (!entry) return undefined;
  const v = entry.value;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "number") return undefined;
  return entry.type === GGUF_VALUE.FLOAT32 ? shortestFloat32(v) : v;
}

export function ggufString(meta: GgufMetadata, key: string): string | undefined {
  const v = meta[key]?.value;
  return typeof v === "string" ? v : undefined;
}

/** A token id, undefined when absent or llama.cpp's "none" (u32 -1). */
export function ggufTokenId(meta: GgufMetadata, key: string): number | undefined {
  const id = ggufNumber(meta, key);
  return id === undefined || id === NO_TOKEN ? undefined : id;
}
