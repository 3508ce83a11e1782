/**
 * Loader for GGUF files (llama.cpp) of the llama, mistral and qwen2 architectures. The header is
 * parsed with @huggingface/gguf; tensor data we read ourselves, each tensor straight into its
 * final typed array. F32, F16 and BF16 tensors keep their dtype; Q8_0 is dequantized to f16.
 *
 * GGUF lists dims fastest-first, so a GGUF [64, 512] tensor is a row-major 512 x 64 matrix: the
 * reversed dims are the row-major shape, and the bytes need no transposition.
 */
import { open, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { gguf, type GGUFTensorInfo } from "@huggingface/gguf";
import { allocWeightStorage, f32ToF16Bits, f16BitsToF32, Tensor } from "@sieve/core";
import { validateConfig, type ModelConfig } from "../arch/config.js";
import { expectedTensors, hfNames } from "../arch/weights.js";
import { tokenizerFromGgufMetadata } from "../tokenizer/gguf-vocab.js";
import { CheckpointFormatError } from "./format-error.js";
import { bytesOf, readExactly } from "./file-read.js";
import { GGML_TYPE, GGUF_ARCHITECTURES, GGUF_MAGIC, ggmlTypeName, hfNameOfGguf, Q8_0_BLOCK, Q8_0_BLOCK_BYTES } from "./gguf-format.js";
import { ggufNumber, ggufString, ggufTokenId, type GgufMetadata } from "./gguf-metadata.js";
import type { GenerationDefaults, LoadedCheckpoint, LoadOptions } from "./types.js";

/** The config a GGUF header describes; `embedRows` (token_embd's rows) backs up the vocab size. */
export function ggufConfig(meta: GgufMetadata, embedRows: number | undefined, file: string): ModelConfig {
  const arch = ggufString(meta, "general.architecture");
  const known = arch === undefined ? undefined : GGUF_ARCHITECTURES[arch];
  if (!arch || !known) {
    throw new CheckpointFormatError(file, "general.architecture", undefined, `unsupported architecture ${JSON.stringify(arch)} (supported: ${Object.keys(GGUF_ARCHITECTURES).join(", ")})`);
  }
  const required = (key: string): number => {
    const v = ggufNumber(meta, `${arch}.${key}`);
    if (v === undefined) throw new CheckpointFormatError(file, `${arch}.${key}`, undefined, "is missing from the metadata or not a number");
    return v;
  };
  const optional = (key: string): number | undefined => ggufNumber(meta, `${arch}.${key}`);

  const dim = required("embedding_length");
  const nHeads = required("attention.head_count");
  const headDim = optional("attention.key_length") ?? Math.floor(dim / nHeads);
  const tokens = meta["tokenizer.ggml.tokens"]?.value;
  const vocabSize = Array.isArray(tokens) ? tokens.length : optional("vocab_size") ?? embedRows;
  if (vocabSize === undefined) throw new CheckpointFormatError(file, "tokenizer.ggml.tokens", undefined, "no vocabulary and no token_embd.weight: cannot tell the vocab size");
  if (embedRows !== undefined && embedRows !== vocabSize) {
    throw new CheckpointFormatError(file, "token_embd.weight", undefined, `has ${embedRows} rows but the vocabulary has ${vocabSize} tokens`);
  }

  const scalingType = ggufString(meta, `${arch}.rope.scaling.type`);
  let scaling: ModelConfig["rope"]["scaling"];
  if (scalingType === "linear") scaling = { type: "linear", factor: required("rope.scaling.factor") };
  else if (scalingType !== undefined && scalingType !== "none") {
    throw new CheckpointFormatError(file, `${arch}.rope.scaling.type`, undefined, `unsupported RoPE scaling ${JSON.stringify(scalingType)} (supported: none, linear)`);
  }

  const bos = ggufTokenId(meta, "tokenizer.ggml.bos_token_id");
  const eosIds = ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"]
    .map((k) => ggufTokenId(meta, k))
    .filter((id): id is number => id !== undefined);
  return validateConfig(
    {
      architecture: known.hf,
      dim,
      hiddenDim: required("feed_forward_length"),
      nLayers: required("block_count"),
      nHeads,
      nKvHeads: optional("attention.head_count_kv") ?? nHeads,
      headDim,
      vocabSize,
      maxSeqLen: required("context_length"),
      normEps: required("attention.layer_norm_rms_epsilon"),
      rope: { theta: optional("rope.freq_base") ?? 10000, style: known.ropeStyle, rotaryDim: optional("rope.dimension_count") ?? headDim, ...(scaling ? { scaling } : {}) },
      tiedEmbeddings: false, // the loader decides from the tensors (output.weight absent or identical)
      qkvBias: arch === "qwen2", // llama files may carry biases too; the loader checks
      oBias: false,
      hiddenAct: "silu",
      bosTokenId: bos,
      eosTokenIds: [...new Set(eosIds)],
    },
    file,
  );
}

/** Sampling defaults llama.cpp stores as general.sampling.* (from generation_config.json). */
function generationDefaults(meta: GgufMetadata, config: ModelConfig): GenerationDefaults {
  const g: GenerationDefaults = { bosTokenId: config.bosTokenId, eosTokenIds: config.eosTokenIds };
  const set = <K extends keyof GenerationDefaults>(field: K, key: string): void => {
    const v = ggufNumber(meta, key);
    if (v !== undefined) g[field] = v as GenerationDefaults[K];
  };
  set("temperature", "general.sampling.temp");
  set("topK", "general.sampling.top_k");
  set("topP", "general.sampling.top_p");
  set("minP", "general.sampling.min_p");
  set("repetitionPenalty", "general.sampling.penalty_repeat");
  return g;
}

/** One tensor to read: where it is, what it becomes. */
interface PlannedRead {
  info: GGUFTensorInfo;
  hfName: string;
  shape: number[];
  numel: number;
  fileOffset: number;
  byteLength: number;
}

function planRead(info: GGUFTensorInfo, dataOffset: number, fileSize: number, file: string): PlannedRead {
  const hfName = hfNameOfGguf(info.name);
  if (!hfName) {
    const hint = info.name === "rope_freqs.weight" ? " (per-frequency RoPE factors, as Llama 3.1 GGUFs carry, are not supported)" : "";
    throw new CheckpointFormatError(file, info.name, undefined, `unknown tensor${hint}`);
  }
  const dims = info.shape.map(Number);
  const shape = [...dims].reverse();
  const numel = dims.reduce((a, b) => a * b, 1);
  let byteLength: number;
  switch (info.dtype as number) {
    case GGML_TYPE.F32:
      byteLength = numel * 4;
      break;
    case GGML_TYPE.F16:
    case GGML_TYPE.BF16:
      byteLength = numel * 2;
      break;
    case GGML_TYPE.Q8_0:
      if (dims[0]! % Q8_0_BLOCK !== 0) throw new CheckpointFormatError(file, info.name, undefined, `Q8_0 rows of ${dims[0]} are not a multiple of ${Q8_0_BLOCK}`);
      byteLength = (numel / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
      break;
    default:
      throw new CheckpointFormatError(
        file,
        info.name,
        undefined,
        `tensor type ${ggmlTypeName(info.dtype)} is not supported (supported: F32, F16, BF16, and Q8_0 which loads as f16)`,
        "Convert the model with llama.cpp's convert_hf_to_gguf.py --outtype f16 (or q8_0)",
      );
  }
  const fileOffset = dataOffset + Number(info.offset);
  if (fileOffset + byteLength > fileSize) {
    throw new CheckpointFormatError(file, info.name, fileOffset, `the tensor's ${byteLength} bytes run past the end of the ${fileSize}-byte file (truncated file?)`);
  }
  return { info, hfName, shape, numel, fileOffset, byteLength };
}

/** Q8_0 blocks to f16, a few MB of file at a time so the quantized bytes never sit whole. */
async function readQ8_0AsF16(handle: FileHandle, p: PlannedRead, file: string): Promise<Uint16Array> {
  const out = allocWeightStorage("f16", p.numel);
  const blocks = p.numel / Q8_0_BLOCK;
  const blocksPerChunk = 1 << 16;
  const chunk = new Uint8Array(Math.min(blocks, blocksPerChunk) * Q8_0_BLOCK_BYTES);
  const view = new DataView(chunk.buffer);
  for (let first = 0; first < blocks; first += blocksPerChunk) {
    const count = Math.min(blocksPerChunk, blocks - first);
    const bytes = chunk.subarray(0, count * Q8_0_BLOCK_BYTES);
    await readExactly(handle, bytes, p.fileOffset + first * Q8_0_BLOCK_BYTES, file, p.info.name);
    for (let b = 0; b < count; b++) {
      const at = b * Q8_0_BLOCK_BYTES;
      const scale = f16BitsToF32(view.getUint16(at, true));
      const dst = (first + b) * Q8_0_BLOCK;
      for (let i = 0; i < Q8_0_BLOCK; i++) out[dst + i] = f32ToF16Bits(scale * view.getInt8(at + 2 + i));
    }
  }
  return out;
}

async function readTensor(handle: FileHandle, p: PlannedRead, file: string): Promise<Tensor> {
  switch (p.info.dtype as number) {
    case GGML_TYPE.F32: {
      const data = allocWeightStorage("f32", p.numel);
      await readExactly(handle, data, p.fileOffset, file, p.info.name);
      return Tensor.wrap("f32", data, p.shape);
    }
    case GGML_TYPE.F16:
    case GGML_TYPE.BF16: {
      const data = allocWeightStorage("f16", p.numel);
      await readExactly(handle, data, p.fileOffset, file, p.info.name);
      return Tensor.wrap(p.info.dtype === GGML_TYPE.F16 ? "f16" : "bf16", data, p.shape);
    }
    default:
      return Tensor.wrap("f16", await readQ8_0AsF16(handle, p, file), p.shape);
  }
}

function sameBits(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = bytesOf(a.contiguousData());
  const y = bytesOf(b.contiguousData());
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** Checks the first bytes ourselves, so a wrong file gets an error naming the field and offset. */
async function checkPreamble(handle: FileHandle, file: string): Promise<void> {
  const head = new Uint8Array(8);
  const { bytesRead } = await handle.read(head, 0, 8, 0);
  const magic = Buffer.from(head.subarray(0, 4)).toString("latin1");
  if (bytesRead < 4 || magic !== GGUF_MAGIC) {
    const found = [...head.subarray(0, Math.min(4, bytesRead))].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new CheckpointFormatError(file, "magic", 0, `expected "GGUF" (47 47 55 46), found ${found || "an empty file"}`, "Is this a GGUF file?");
  }
  if (bytesRead < 8) throw new CheckpointFormatError(file, "version", bytesRead, "the file ends inside the header");
  const version = new DataView(head.buffer).getUint32(4, true);
  if ((version & 0xffff) === 0) throw new CheckpointFormatError(file, "version", 4, "big-endian GGUF files are not supported");
  if (version < 2 || version > 3) throw new CheckpointFormatError(file, "version", 4, `GGUF version ${version} is not supported (supported: 2, 3)`);
}

export interface GgufHeader {
  /** Metadata with GGUF value types. */
  meta: GgufMetadata;
  /** The same metadata as plain values (what tokenizerFromGgufMetadata takes). */
  values: Record<string, unknown>;
  tensorInfos: GGUFTensorInfo[];
  /** Absolute file offset of the (aligned) tensor data section. */
  dataOffset: number;
}

/** Parses a GGUF header (metadata and tensor infos), wrapping parser failures with the file name. */
export async function readGgufHeader(file: string): Promise<GgufHeader> {
  try {
    const parsed = await gguf(file, { allowLocalFile: true, typedMetadata: true });
    return {
      meta: parsed.typedMetadata as unknown as GgufMetadata,
      values: parsed.metadata as unknown as Record<string, unknown>,
      tensorInfos: parsed.tensorInfos,
      dataOffset: Number(parsed.tensorDataOffset),
    };
  } catch (error) {
    throw new CheckpointFormatError(file, "header", undefined, `the GGUF header could not be parsed: ${(error as Error).message}`);
  }
}

/**
 * Loads a GGUF checkpoint: config from metadata, weights under HF names, tokenizer from the
 * embedded vocabulary. An output.weight bit-identical to token_embd.weight (as converters of
 * tied models sometimes write) is dropped and the model loads as tied: the weights exist once.
 */
export async function loadGguf(path: string, options: LoadOptions = {}): Promise<LoadedCheckpoint> {
  const file = resolve(path);
  const handle = await open(file, "r");
  try {
    await checkPreamble(handle, file);
    const { size } = await handle.stat();
    const { meta, values, tensorInfos, dataOffset } = await readGgufHeader(file);
    if (dataOffset > size) {
      throw new CheckpointFormatError(file, "header", size, `the file ends inside the GGUF header, whose tensor infos run to byte ${dataOffset} (truncated file?)`);
    }
    const plans = tensorInfos.map((info) => planRead(info, dataOffset, size, file));
    const byHf = new Map(plans.map((p) => [p.hfName, p]));
    const embedRows = byHf.get(hfNames.embed)?.shape[0];
    const config = ggufConfig(meta, embedRows, file);
    const metadata: Record<string, string> = {
      "gguf.version": String(ggufNumber(meta, "version") ?? ""),
      "gguf.architecture": ggufString(meta, "general.architecture")!,
    };
    const name = ggufString(meta, "general.name");
    if (name !== undefined) metadata["general.name"] = name;
    if (plans.some((p) => p.info.dtype === GGML_TYPE.Q8_0)) metadata["gguf.dequantized"] = "Q8_0->f16";

    // llama.cpp's llama graph takes optional q/k/v and output biases; the file decides.
    if (byHf.has(hfNames.layer(0).qBias)) config.qkvBias = true;
    if (byHf.has(hfNames.layer(0).oBias)) config.oBias = true;
    config.tiedEmbeddings = !byHf.has(hfNames.lmHead);
    // Every tensor the architecture needs, with its shape, and nothing else, before reading data.
    const expected = expectedTensors(config);
    for (const t of expected) {
      const p = byHf.get(t.name);
      if (!p) {
        if (t.optional) continue;
        throw new CheckpointFormatError(file, t.name, undefined, "the model needs this tensor but the file has none");
      }
      if (p.shape.join() !== t.shape.join()) {
        throw new CheckpointFormatError(file, p.info.name, undefined, `shape [${p.shape.join(", ")}] (GGUF dims [${p.info.shape.join(", ")}]) does not match the expected [${t.shape.join(", ")}]`);
      }
    }
    const wanted = new Set(expected.map((t) => t.name));
    const extra = plans.find((p) => !wanted.has(p.hfName));
    if (extra) throw new CheckpointFormatError(file, extra.info.name, undefined, `unexpected tensor for a ${config.nLayers}-layer ${config.architecture} (it would be ignored)`);

    const weights = new Map<string, Tensor>();
    let done = 0;
    for (const p of plans) {
      weights.set(p.hfName, await readTensor(handle, p, file));
      options.onProgress?.({ phase: "read tensors", done: ++done, total: plans.length });
    }
    const head = weights.get(hfNames.lmHead);
    if (head && sameBits(head, weights.get(hfNames.embed)!)) {
      weights.delete(hfNames.lmHead);
      config.tiedEmbeddings = true;
      metadata["gguf.tied_output"] = "output.weight is bit-identical to token_embd.weight: loaded as tied embeddings";
    }

    const tokenizer = ggufString(meta, "tokenizer.ggml.model") === undefined ? undefined : tokenizerFromGgufMetadata(values, { source: file });
    return { config, weights, tokenizer, generation: generationDefaults(meta, config), format: "gguf", source: file, metadata };
  } finally {
    await handle.close();
  }
}
