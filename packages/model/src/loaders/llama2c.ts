/**
 * Loader for llama2.c checkpoints (Karpathy's `model.bin`): the legacy v0 layout and the v1
 * ("ak42") layout of export.py. Every tensor is read from disk straight into its final
 * Float32Array, one read per tensor; nothing holds the whole file.
 *
 * v0: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len), where a
 *     negative vocab_size means the classifier is not shared with the embedding; then f32
 *     token_embedding, rms_att[L], wq[L], wk[L], wv[L], wo[L], rms_ffn[L], w1[L], w2[L], w3[L],
 *     rms_final, freq_cis_real, freq_cis_imag, and wcls when unshared.
 * v1: uint32 magic 0x616b3432 ("ak42"), int32 version 1, the same 7 int32 (vocab_size positive),
 *     a uint8 shared_classifier flag, zero padding to 256 bytes; then f32 rms_att[L], rms_ffn[L],
 *     rms_final, token_embedding, wq[L], wk[L], wv[L], wo[L], w1[L], w2[L], w3[L], and wcls when
 *     unshared (no freq_cis tables).
 *
 * Matrices are PyTorch nn.Linear weights [out, in], i.e. already in the HF layout. Q/K rows are in
 * Meta's order, whose RoPE pairs are adjacent dims, hence rope.style "interleaved" and no permute.
 */
import { open, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { allocWeightStorage, Tensor } from "@sieve/core";
import { validateConfig, type ModelConfig } from "../arch/config.js";
import { hfNames } from "../arch/weights.js";
import { CheckpointFormatError } from "./format-error.js";
import { readExactly } from "./file-read.js";
import { loadTokenizerFile } from "./tokenizer-file.js";
import type { LoadedCheckpoint, LoadOptions } from "./types.js";

/** "ak42" read as a little-endian uint32: the first word of a v1 (and v2) file. */
export const LLAMA2C_MAGIC = 0x616b3432;
const V0_HEADER_BYTES = 7 * 4;
const V1_HEADER_BYTES = 256;
const HEADER_FIELDS = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"] as const;

export interface Llama2cHeader {
  version: 0 | 1;
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  /** Always positive here; the sign of the v0 field is in sharedClassifier. */
  vocabSize: number;
  seqLen: number;
  sharedClassifier: boolean;
  /** Where the tensor data starts. */
  dataOffset: number;
}

/** One stretch of f32 data in the file: a tensor, one per layer, or a table we skip. */
interface Segment {
  /** HF tensor name for layer i (or the single tensor); undefined = skipped (freq_cis). */
  name: ((layer: number) => string) | undefined;
  label: string;
  shape: number[];
  perLayer: boolean;
}

/** Parses and validates the header from the first bytes of the file. */
export function parseLlama2cHeader(head: Uint8Array, file: string): Llama2cHeader {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const need = (bytes: number, field: string): void => {
    if (head.length < bytes) {
      throw new CheckpointFormatError(file, field, head.length, `the file ends inside the header (${head.length} bytes, the header needs ${bytes})`);
    }
  };
  need(4, "dim");
  let version: 0 | 1 = 0;
  let fieldsAt = 0;
  if (view.getUint32(0, true) === LLAMA2C_MAGIC) {
    need(8, "version");
    const v = view.getInt32(4, true);
    if (v === 2) {
      throw new CheckpointFormatError(file, "version", 4, "llama2.c version 2 (Q8_0-quantized) checkpoints are not supported", "Export with version 0 (legacy) or 1 (fp32)");
    }
    if (v !== 1) throw new CheckpointFormatError(file, "version", 4, `unknown llama2.c version ${v} (supported: legacy v0 and v1)`);
    version = 1;
    fieldsAt = 8;
  }
  const headerBytes = version === 1 ? V1_HEADER_BYTES : V0_HEADER_BYTES;
  // Name the first field the file cuts off.
  HEADER_FIELDS.forEach((field, i) => need(fieldsAt + 4 * (i + 1), field));
  if (version === 1) {
    need(fieldsAt + HEADER_FIELDS.length * 4 + 1, "shared_classifier");
    need(headerBytes, "header padding");
  }

  const ints = HEADER_FIELDS.map((_, i) => view.getInt32(fieldsAt + 4 * i, true));
  const offsetOf = (field: (typeof HEADER_FIELDS)[number]): number => fieldsAt + 4 * HEADER_FIELDS.indexOf(field);
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = ints as [number, number, number, number, number, number, number];
  HEADER_FIELDS.forEach((field, i) => {
    const value = ints[i]!;
    const bad = field === "vocab_size" ? value === 0 || (version === 1 && value < 0) : value <= 0;
    if (bad) throw new CheckpointFormatError(file, field, offsetOf(field), `must be a positive integer, got ${value}`);
  });
  if (dim % nHeads !== 0) {
    throw new CheckpointFormatError(file, "n_heads", offsetOf("n_heads"), `n_heads ${nHeads} does not divide dim ${dim}`);
  }
  if (nHeads % nKvHeads !== 0) {
    throw new CheckpointFormatError(file, "n_kv_heads", offsetOf("n_kv_heads"), `n_kv_heads ${nKvHeads} does not divide n_heads ${nHeads}`);
  }
  if ((dim / nHeads) % 2 !== 0) {
    throw new CheckpointFormatError(file, "n_heads", offsetOf("n_heads"), `head size dim / n_heads = ${dim / nHeads} must be even for RoPE`);
  }
  const sharedClassifier = version === 1 ? head[fieldsAt + HEADER_FIELDS.length * 4] !== 0 : rawVocab > 0;
  return {
    version,
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize: Math.abs(rawVocab),
    seqLen,
    sharedClassifier,
    dataOffset: headerBytes,
  };
}

/** The file's tensor stretches, in file order. */
function segmentsOf(h: Llama2cHeader): Segment[] {
  const headDim = h.dim / h.nHeads;
  const kvDim = h.nKvHeads * headDim;
  const layer = (label: string, pick: (n: ReturnType<typeof hfNames.layer>) => string, shape: number[]): Segment => ({
    name: (i) => pick(hfNames.layer(i)),
    label,
    shape,
    perLayer: true,
  });
  const single = (label: string, name: string | undefined, shape: number[]): Segment => ({ name: name === undefined ? undefined : () => name, label, shape, perLayer: false });

  const embed = single("token_embedding", hfNames.embed, [h.vocabSize, h.dim]);
  const rmsAtt = layer("rms_att", (n) => n.attnNorm, [h.dim]);
  const rmsFfn = layer("rms_ffn", (n) => n.mlpNorm, [h.dim]);
  const rmsFinal = single("rms_final", hfNames.finalNorm, [h.dim]);
  const matrices = [
    layer("wq", (n) => n.q, [h.dim, h.dim]),
    layer("wk", (n) => n.k, [kvDim, h.dim]),
    layer("wv", (n) => n.v, [kvDim, h.dim]),
    layer("wo", (n) => n.o, [h.dim, h.dim]),
  ];
  const ffn = [
    layer("w1", (n) => n.gate, [h.hiddenDim, h.dim]),
    layer("w2", (n) => n.down, [h.dim, h.hiddenDim]),
    layer("w3", (n) => n.up, [h.hiddenDim, h.dim]),
  ];
  const wcls = h.sharedClassifier ? [] : [single("wcls", hfNames.lmHead, [h.vocabSize, h.dim])];
  if (h.version === 1) return [rmsAtt, rmsFfn, rmsFinal, embed, ...matrices, ...ffn, ...wcls];
  // v0 also stores RoPE tables (cos and sin of seq_len x head_size/2 angles); we compute RoPE.
  const freq = [single("freq_cis_real", undefined, [h.seqLen, headDim / 2]), single("freq_cis_imag", undefined, [h.seqLen, headDim / 2])];
  return [embed, rmsAtt, ...matrices.slice(0, 4), rmsFfn, ...ffn, rmsFinal, ...freq, ...wcls];
}

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The config a llama2.c header implies (llama2.c hard-codes eps, theta and the special ids). */
export function llama2cConfig(h: Llama2cHeader, file?: string): ModelConfig {
  const headDim = h.dim / h.nHeads;
  return validateConfig(
    {
      architecture: "LlamaForCausalLM",
      dim: h.dim,
      hiddenDim: h.hiddenDim,
      nLayers: h.nLayers,
      nHeads: h.nHeads,
      nKvHeads: h.nKvHeads,
      headDim,
      vocabSize: h.vocabSize,
      maxSeqLen: h.seqLen,
      normEps: 1e-5,
      rope: { theta: 10000, style: "interleaved", rotaryDim: headDim },
      tiedEmbeddings: h.sharedClassifier,
      qkvBias: false,
      oBias: false,
      hiddenAct: "silu",
      bosTokenId: 1,
      eosTokenIds: [2],
    },
    file,
  );
}

async function readHeader(handle: FileHandle, file: string): Promise<Llama2cHeader> {
  const head = new Uint8Array(V1_HEADER_BYTES);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return parseLlama2cHeader(head.subarray(0, bytesRead), file);
}

/**
 * Loads a llama2.c checkpoint. `options.tokenizer` names its tokenizer (llama2.c files carry
 * none): a tokenizer.bin, or any file loadTokenizerFile takes (.gguf, .model, tokenizer.json);
 * without it the checkpoint has no tokenizer.
 */
export async function loadLlama2c(path: string, options: LoadOptions = {}): Promise<LoadedCheckpoint> {
  const file = resolve(path);
  const handle = await open(file, "r");
  let header: Llama2cHeader;
  const weights = new Map<string, Tensor>();
  try {
    const { size } = await handle.stat();
    header = await readHeader(handle, file);
    const segments = segmentsOf(header);
    const floatsOf = (s: Segment): number => numel(s.shape) * (s.perLayer ? header.nLayers : 1);
    const expected = header.dataOffset + 4 * segments.reduce((sum, s) => sum + floatsOf(s), 0);
    if (expected !== size) {
      throw new CheckpointFormatError(
        file,
        "file length",
        Math.min(size, expected),
        `the header (${describe(header)}) implies ${expected} bytes but the file has ${size}`,
        size < expected ? "The file is truncated; download or export it again" : "Is this a llama2.c checkpoint of another version?",
      );
    }
    const total = segments.reduce((n, s) => n + (s.name ? (s.perLayer ? header.nLayers : 1) : 0), 0);
    let offset = header.dataOffset;
    let done = 0;
    for (const s of segments) {
      const count = s.perLayer ? header.nLayers : 1;
      const floats = numel(s.shape);
      for (let i = 0; i < count; i++) {
        if (s.name) {
          const data = allocWeightStorage("f32", floats);
          await readExactly(handle, data, offset, file, s.perLayer ? `${s.label}[${i}]` : s.label);
          weights.set(s.name(i), Tensor.wrap("f32", data, s.shape));
          options.onProgress?.({ phase: "read tensors", done: ++done, total });
        }
        offset += floats * 4;
      }
    }
  } finally {
    await handle.close();
  }

  const config = llama2cConfig(header, file);
  const tokenizer = options.tokenizer ? await loadTokenizerFile(options.tokenizer, { vocabSize: config.vocabSize }) : undefined;
  if (tokenizer && tokenizer.vocabSize > config.vocabSize) {
    throw new CheckpointFormatError(file, "tokenizer", undefined, `the tokenizer ${options.tokenizer} has ${tokenizer.vocabSize} tokens but the model only ${config.vocabSize}`, "Use the tokenizer the model was trained with");
  }
  return {
    config,
    weights,
    tokenizer,
    generation: { bosTokenId: 1, eosTokenIds: [2] },
    format: "llama2c",
    source: file,
    metadata: { "llama2c.version": String(header.version) },
  };
}

function describe(h: Llama2cHeader): string {
  return `v${h.version}, dim ${h.dim}, hidden ${h.hiddenDim}, ${h.nLayers} layers, ${h.nHeads}/${h.nKvHeads} heads, vocab ${h.vocabSize}${h.sharedClassifier ? "" : " unshared"}, seq_len ${h.seqLen}`;
}
