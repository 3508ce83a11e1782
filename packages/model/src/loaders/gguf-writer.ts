/**
 * Writes a LoadedCheckpoint as a GGUF v3 file that llama.cpp loads and computes the same model
 * from: llama.cpp metadata keys, the tokenizer vocabulary when one is known, tensors in their
 * stored dtype (F32, F16, BF16), and Q/K rows in the RoPE layout llama.cpp uses for the
 * architecture (interleaved for llama: HF half-style rows are permuted exactly as llama.cpp's
 * convert_hf_to_gguf.py does; NEOX/half for qwen2).
 */
import type { Tensor } from "@sieve/core";
import type { ModelConfig } from "../arch/config.js";
import { expectedTensors, hfNames } from "../arch/weights.js";
import { bytesOf } from "./file-read.js";
import { GGML_TYPE, GGUF_ARCHITECTURES, ggufArchitectureOf, ggufNameOfHf, permuteRopeRows } from "./gguf-format.js";
import { writeGgufFile, type GgufKvValue, type GgufTensorToWrite } from "./gguf-encode.js";
import type { LoadedCheckpoint } from "./types.js";

/**
 * A tokenizer vocabulary as GGUF stores it. The tokenizer package's GgufVocabulary (what
 * readGgufVocabulary returns and GGUF tokenizers hold) fits this shape as is.
 */
export interface GgufVocab {
  /** tokenizer.ggml.model: "llama" (SentencePiece BPE), "gpt2" (byte-level BPE). */
  model: string;
  /** tokenizer.ggml.pre: the pre-tokenizer of a gpt2-style vocabulary ("default", "llama-bpe", ...). */
  pre?: string;
  tokens: readonly string[];
  scores?: ArrayLike<number>;
  /** llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
  tokenTypes?: ArrayLike<number>;
  /** BPE merges "left right", for gpt2-style vocabularies. */
  merges?: readonly string[];
  bosId?: number;
  /** Written as eos_token_id, then eot_token_id and eom_token_id when there are more. */
  eosIds?: readonly number[];
  unkId?: number;
  padId?: number;
  addBos?: boolean;
  addEos?: boolean;
  addSpacePrefix?: boolean;
  chatTemplate?: string;
}

export interface WriteGgufOptions {
  /**
   * The tokenizer vocabulary to embed. Defaults to the checkpoint tokenizer's own `ggufVocab()`
   * (every Sieve tokenizer has one: llama2.c, GGUF, SentencePiece .model, and Hugging Face BPE
   * tokenizers of the byte-level and SentencePiece kinds); without one the file has no tokenizer
   * and llama.cpp needs one supplied separately. A vocabulary shorter than the model's embedding
   * is padded with unused "[PAD<id>]" tokens, as llama.cpp's converter does.
   */
  vocab?: GgufVocab;
  /** general.name (default: the checkpoint's general.name metadata, else the architecture). */
  name?: string;
}

/** llama.cpp's llama_ftype for the bulk dtype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_BF16 32. */
const FILE_TYPE = { f32: 0, f16: 1, bf16: 32 } as const;
const GGML_OF_DTYPE = { f32: GGML_TYPE.F32, f16: GGML_TYPE.F16, bf16: GGML_TYPE.BF16 } as const;

function modelKvs(c: ModelConfig, arch: string, fileType: number, name: string): Array<[string, GgufKvValue]> {
  const kvs: Array<[string, GgufKvValue]> = [
    ["general.architecture", { type: "string", value: arch }],
    ["general.name", { type: "string", value: name }],
    [`${arch}.context_length`, { type: "u32", value: c.maxSeqLen }],
    [`${arch}.embedding_length`, { type: "u32", value: c.dim }],
    [`${arch}.block_count`, { type: "u32", value: c.nLayers }],
    [`${arch}.feed_forward_length`, { type: "u32", value: c.hiddenDim }],
    [`${arch}.rope.dimension_count`, { type: "u32", value: c.rope.rotaryDim }],
    [`${arch}.attention.head_count`, { type: "u32", value: c.nHeads }],
    [`${arch}.attention.head_count_kv`, { type: "u32", value: c.nKvHeads }],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: "f32", value: c.normEps }],
    [`${arch}.rope.freq_base`, { type: "f32", value: c.rope.theta }],
    [`${arch}.vocab_size`, { type: "u32", value: c.vocabSize }],
    ["general.file_type", { type: "u32", value: fileType }],
  ];
  if (c.headDim * c.nHeads !== c.dim) {
    kvs.push([`${arch}.attention.key_length`, { type: "u32", value: c.headDim }], [`${arch}.attention.value_length`, { type: "u32", value: c.headDim }]);
  }
  const s = c.rope.scaling;
  if (s?.type === "linear") {
    kvs.push([`${arch}.rope.scaling.type`, { type: "string", value: "linear" }], [`${arch}.rope.scaling.factor`, { type: "f32", value: s.factor }]);
  } else if (s) {
    // llama.cpp expresses llama3 scaling as a rope_freqs.weight tensor, which our loader rejects.
    throw new Error(`writeGguf: RoPE scaling "${s.type}" cannot be written yet (supported: none, linear)`);
  }
  return kvs;
}

function vocabKvs(v: GgufVocab): Array<[string, GgufKvValue]> {
  const kvs: Array<[string, GgufKvValue]> = [["tokenizer.ggml.model", { type: "string", value: v.model }]];
  if (v.pre !== undefined) kvs.push(["tokenizer.ggml.pre", { type: "string", value: v.pre }]);
  kvs.push(["tokenizer.ggml.tokens", { type: "string[]", value: v.tokens }]);
  if (v.scores) kvs.push(["tokenizer.ggml.scores", { type: "f32[]", value: v.scores }]);
  if (v.tokenTypes) kvs.push(["tokenizer.ggml.token_type", { type: "i32[]", value: v.tokenTypes }]);
  if (v.merges?.length) kvs.push(["tokenizer.ggml.merges", { type: "string[]", value: v.merges }]);
  const ids: Array<[string, number | undefined]> = [
    ["tokenizer.ggml.bos_token_id", v.bosId],
    ["tokenizer.ggml.eos_token_id", v.eosIds?.[0]],
    ["tokenizer.ggml.eot_token_id", v.eosIds?.[1]],
    ["tokenizer.ggml.eom_token_id", v.eosIds?.[2]],
    ["tokenizer.ggml.unknown_token_id", v.unkId],
    ["tokenizer.ggml.padding_token_id", v.padId],
  ];
  for (const [key, id] of ids) if (id !== undefined) kvs.push([key, { type: "u32", value: id }]);
  const flags: Array<[string, boolean | undefined]> = [
    ["tokenizer.ggml.add_bos_token", v.addBos],
    ["tokenizer.ggml.add_eos_token", v.addEos],
    ["tokenizer.ggml.add_space_prefix", v.addSpacePrefix],
  ];
  for (const [key, flag] of flags) if (flag !== undefined) kvs.push([key, { type: "bool", value: flag }]);
  if (v.chatTemplate !== undefined) kvs.push(["tokenizer.chat_template", { type: "string", value: v.chatTemplate }]);
  return kvs;
}

/** GGUF token type of the padding entries (llama.cpp: unused). */
const UNUSED_TOKEN = 5;

/** The vocabulary grown to the embedding's row count with unused "[PAD<id>]" tokens. */
export function padVocab(v: GgufVocab, size: number): GgufVocab {
  const n = v.tokens.length;
  if (n >= size) return v;
  const tokens = [...v.tokens];
  for (let id = n; id < size; id++) tokens.push(`[PAD${id}]`);
  const grow = (values: ArrayLike<number> | undefined, fill: number): number[] | undefined =>
    values === undefined ? undefined : [...Array.from(values), ...new Array<number>(size - n).fill(fill)];
  return { ...v, tokens, scores: grow(v.scores, 0), tokenTypes: grow(v.tokenTypes, UNUSED_TOKEN) ?? [...new Array<number>(n).fill(1), ...new Array<number>(size - n).fill(UNUSED_TOKEN)] };
}

/** The tokenizer's vocabulary, when the tokenizer object exposes one as `ggufVocab`. */
function vocabOfTokenizer(tokenizer: unknown): GgufVocab | undefined {
  const v = (tokenizer as { ggufVocab?: unknown } | undefined)?.ggufVocab;
  const resolved = typeof v === "function" ? (v as () => unknown).call(tokenizer) : v;
  return resolved && typeof resolved === "object" && Array.isArray((resolved as GgufVocab).tokens) ? (resolved as GgufVocab) : undefined;
}

function tensorToWrite(ggufName: string, hfName: string, t: Tensor, c: ModelConfig, arch: string): GgufTensorToWrite {
  if (t.dtype !== "f32" && t.dtype !== "f16" && t.dtype !== "bf16") {
    throw new Error(`writeGguf: tensor ${hfName} has dtype ${t.dtype}; only f32, f16 and bf16 can be written`);
  }
  const dtype = t.dtype;
  const targetStyle = GGUF_ARCHITECTURES[arch]!.ropeStyle;
  // Q and K (and their biases) carry the RoPE pair layout; move it to llama.cpp's for this arch.
  const ropeHeads = /\.(q_proj)\./.test(hfName) ? c.nHeads : /\.(k_proj)\./.test(hfName) ? c.nKvHeads : 0;
  const permute = ropeHeads > 0 && c.rope.style !== targetStyle;
  return {
    name: ggufName,
    ggmlType: GGML_OF_DTYPE[dtype],
    dims: [...t.shape].reverse(),
    byteLength: t.byteLength,
    bytes: () => {
      const data = t.contiguous().contiguousData() as Float32Array | Uint16Array;
      if (!permute) return bytesOf(data);
      const cols = t.shape.length === 2 ? t.shape[1]! : 1;
      return bytesOf(permuteRopeRows(data, cols, ropeHeads, c.headDim, c.rope.rotaryDim, c.rope.style, targetStyle));
    },
  };
}

/** The GGUF tensors of a checkpoint, in llama.cpp names and layout, each produced when written. */
export function ggufTensorsOf(checkpoint: LoadedCheckpoint): GgufTensorToWrite[] {
  const c = checkpoint.config;
  const arch = ggufArchitectureOf(c.architecture);
  const tensors: GgufTensorToWrite[] = [];
  for (const expected of expectedTensors(c)) {
    if (expected.name === hfNames.lmHead && c.tiedEmbeddings) continue;
    const t = checkpoint.weights.get(expected.name);
    if (!t) throw new Error(`writeGguf: the checkpoint has no tensor ${expected.name}`);
    if (t.shape.join() !== expected.shape.join()) {
      throw new Error(`writeGguf: tensor ${expected.name} has shape [${t.shape.join(", ")}], expected [${expected.shape.join(", ")}]`);
    }
    tensors.push(tensorToWrite(ggufNameOfHf(expected.name)!, expected.name, t, c, arch));
  }
  return tensors;
}

/** The GGUF metadata of a checkpoint: llama.cpp's model keys, then the vocabulary if known. */
export function ggufMetadataOf(checkpoint: LoadedCheckpoint, options: WriteGgufOptions = {}): Array<[string, GgufKvValue]> {
  const c = checkpoint.config;
  const arch = ggufArchitectureOf(c.architecture);
  const bulk = checkpoint.weights.get(hfNames.layer(0).q)?.dtype ?? checkpoint.weights.get(hfNames.embed)?.dtype;
  const fileType = FILE_TYPE[bulk as keyof typeof FILE_TYPE] ?? 0;
  const name = options.name ?? checkpoint.metadata["general.name"] ?? arch;
  const kvs = modelKvs(c, arch, fileType, name);
  const vocab = options.vocab ?? vocabOfTokenizer(checkpoint.tokenizer);
  if (vocab) {
    if (vocab.tokens.length > c.vocabSize) {
      throw new Error(`writeGguf: the vocabulary has ${vocab.tokens.length} tokens but the model's vocab size is ${c.vocabSize}`);
    }
    kvs.push(...vocabKvs(padVocab(vocab, c.vocabSize)));
  } else {
    // Without a vocabulary, still record the special ids so the config round-trips.
    if (c.bosTokenId !== undefined) kvs.push(["tokenizer.ggml.bos_token_id", { type: "u32", value: c.bosTokenId }]);
    const eosKeys = ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"];
    c.eosTokenIds.slice(0, 3).forEach((id, i) => kvs.push([eosKeys[i]!, { type: "u32", value: id }]));
  }
  return kvs;
}

/**
 * Writes `checkpoint` to `path` as GGUF v3 (replacing any file there). Tied checkpoints get no
 * output.weight (llama.cpp then uses token_embd.weight). Mistral is written as llama, as
 * llama.cpp's converter does.
 */
export async function writeGguf(path: string, checkpoint: LoadedCheckpoint, options: WriteGgufOptions = {}): Promise<void> {
  await writeGgufFile(path, ggufMetadataOf(checkpoint, options), ggufTensorsOf(checkpoint));
}
