/**
 * What the GGUF reader and writer share: type codes, the tensor-name mapping between llama.cpp
 * and Hugging Face, the architectures we map, and the Q/K row permutation between RoPE styles.
 */
import type { RopeStyle } from "@sieve/core";
import { hfNames } from "../arch/weights.js";

/** GGUF metadata value types (the GGUF spec's gguf_type). */
export const GGUF_VALUE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** The ggml tensor types this package reads or writes (ggml_type codes). */
export const GGML_TYPE = { F32: 0, F16: 1, Q8_0: 8, BF16: 30 } as const;

const GGML_TYPE_NAMES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K",
  12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S",
  20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64",
  29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
};

/** The ggml name of a tensor type code, for messages. */
export function ggmlTypeName(type: number): string {
  return GGML_TYPE_NAMES[type] ?? `type ${type}`;
}

/** Q8_0: blocks of 32 weights, each an f16 scale followed by 32 int8 values (34 bytes). */
export const Q8_0_BLOCK = 32;
export const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

export const GGUF_MAGIC = "GGUF";
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF `general.architecture` values we load, with their HF class and their RoPE layout. */
export const GGUF_ARCHITECTURES: Record<string, { hf: string; ropeStyle: RopeStyle }> = {
  // llama.cpp's converter permutes Llama/Mistral Q/K rows so that RoPE pairs are adjacent.
  llama: { hf: "LlamaForCausalLM", ropeStyle: "interleaved" },
  mistral: { hf: "MistralForCausalLM", ropeStyle: "interleaved" },
  // Qwen2 runs NEOX-style RoPE in llama.cpp, so its weights stay in the HF (half) layout.
  qwen2: { hf: "Qwen2ForCausalLM", ropeStyle: "half" },
};

/** The GGUF architecture a model of this HF class is written as. */
export function ggufArchitectureOf(hfArchitecture: string): string {
  // llama.cpp converts Mistral (dense, full attention) as "llama".
  if (hfArchitecture === "LlamaForCausalLM" || hfArchitecture === "MistralForCausalLM") return "llama";
  if (hfArchitecture === "Qwen2ForCausalLM") return "qwen2";
  throw new Error(`GGUF writer: architecture ${hfArchitecture} has no GGUF mapping (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)`);
}

const LAYER_PARTS: Array<[gguf: string, hf: keyof ReturnType<typeof hfNames.layer>]> = [
  ["attn_norm.weight", "attnNorm"],
  ["attn_q.weight", "q"],
  ["attn_k.weight", "k"],
  ["attn_v.weight", "v"],
  ["attn_output.weight", "o"],
  ["attn_q.bias", "qBias"],
  ["attn_k.bias", "kBias"],
  ["attn_v.bias", "vBias"],
  ["attn_output.bias", "oBias"],
  ["ffn_norm.weight", "mlpNorm"],
  ["ffn_gate.weight", "gate"],
  ["ffn_up.weight", "up"],
  ["ffn_down.weight", "down"],
];
const GLOBAL_PARTS: Array<[gguf: string, hf: string]> = [
  ["token_embd.weight", hfNames.embed],
  ["output_norm.weight", hfNames.finalNorm],
  ["output.weight", hfNames.lmHead],
];

/** HF name of a llama.cpp tensor name, or undefined for a tensor we do not know. */
export function hfNameOfGguf(name: string): string | undefined {
  for (const [g, h] of GLOBAL_PARTS) if (g === name) return h;
  const m = /^blk\.(\d+)\.(.+)$/.exec(name);
  if (!m) return undefined;
  const part = LAYER_PARTS.find(([g]) => g === m[2]);
  return part ? hfNames.layer(Number(m[1]))[part[1]] : undefined;
}

/** llama.cpp name of an HF tensor name, or undefined for a tensor with no GGUF counterpart. */
export function ggufNameOfHf(name: string): string | undefined {
  for (const [g, h] of GLOBAL_PARTS) if (h === name) return g;
  const m = /^model\.layers\.(\d+)\./.exec(name);
  if (!m) return undefined;
  const layer = Number(m[1]);
  const names = hfNames.layer(layer);
  const part = LAYER_PARTS.find(([, h]) => names[h] === name);
  return part ? `blk.${layer}.${part[0]}` : undefined;
}

/**
 * Reorders the rows of a Q or K projection (or its bias, cols = 1) so that each head's RoPE pairs
 * move from one layout to the other. Half style pairs dims (i, i + R/2) of a head, interleaved
 * pairs (2i, 2i + 1); R is the rotary width, and rows from R to headDim stay put. "half" to
 * "interleaved" is exactly llama.cpp's convert_hf_to_gguf `permute` (reshape to
 * [heads, 2, R/2, cols], swap axes 1 and 2). Returns a new array; the input is untouched.
 */
export function permuteRopeRows<T extends Float32Array | Uint16Array>(
  data: T,
  cols: number,
  nHeads: number,
  headDim: number,
  rotaryDim: number,
  from: RopeStyle,
  to: RopeStyle,
): T {
  const out = data.slice() as T;
  if (from === to) return out;
  const half = rotaryDim / 2;
  for (let h = 0; h < nHeads; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const halfRow = base + j * half + i;
        const interleavedRow = base + 2 * i + j;
        const [src, dst] = from === "half" ? [halfRow, interleavedRow] : [interleavedRow, halfRow];
        out.set(data.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
    }
  }
  return out;
}
