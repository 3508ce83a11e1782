/**
 * Writes a checkpoint as a Hugging Face model directory that transformers, Sieve and other tools
 * load: config.json, generation_config.json, model.safetensors (or shards plus
 * model.safetensors.index.json), and the tokenizer where it can be exported.
 *
 * Checkpoints whose RoPE pairs adjacent dims (llama2.c, GGUF: rope.style "interleaved") get their
 * Q/K rows permuted into Hugging Face's "half" order, so the exported model computes the same
 * function. Converted or permuted tensors are produced one shard at a time: peak extra memory is
 * one shard, not a second copy of the model.
 */
import { mkdir, readdir, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { dtypeBytes, writeSafetensors, type DType, type Tensor } from "@sieve/core";
import type { ModelConfig } from "../arch/config.js";
import { toHfConfig } from "../arch/hf-config.js";
import { expectedTensors, hfNames } from "../arch/weights.js";
import { toGenerationConfig } from "./hf-generation.js";
import { permuteInterleavedToHalf } from "./hf-rope-permute.js";
import { SAFETENSORS_INDEX, SAFETENSORS_SINGLE } from "./hf-shards.js";
import { writeHfTokenizerFiles } from "./hf-tokenizer-write.js";
import type { LoadedCheckpoint, LoadOptions } from "./types.js";

export type HfExportDType = "f32" | "f16" | "bf16";

export interface HfExportOptions {
  /** Store floating-point weights in this dtype (default: each tensor keeps its own). */
  dtype?: HfExportDType;
  /** Largest shard in bytes; a larger model is split into shards with an index (default 2 GB). */
  shardBytes?: number;
  onProgress?: LoadOptions["onProgress"];
}

export interface HfExportResult {
  /** Files written, relative to the directory. */
  files: string[];
  /** What could not be exported (e.g. a tokenizer of a kind that has no tokenizer.json form). */
  warnings: string[];
}

export const DEFAULT_SHARD_BYTES = 2_000_000_000;

const TORCH_DTYPE: Record<string, string> = { f32: "float32", f16: "float16", bf16: "bfloat16" };
const FLOAT_DTYPES = new Set(["f32", "f16", "bf16"]);
const SHARD_NAME = /^model-\d{5}-of-\d{5}\.safetensors$/;

export async function writeHfDirectory(dir: string, checkpoint: LoadedCheckpoint, options: HfExportOptions = {}): Promise<HfExportResult> {
  const out = resolve(dir);
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!(shardBytes > 0)) throw new RangeError(`writeHfDirectory: shardBytes must be positive, got ${shardBytes}`);
  await mkdir(out, { recursive: true });
  const source = checkpoint.config;
  const config: ModelConfig = { ...source, rope: { ...source.rope, style: "half" } };

  const files = await writeWeights(out, checkpoint, config, { ...options, shardBytes });
  const embedDtype = options.dtype ?? checkpoint.weights.get(hfNames.embed)!.dtype;
  await writeJson(join(out, "config.json"), { ...toHfConfig(config), torch_dtype: TORCH_DTYPE[embedDtype] ?? "float32" });
  await writeJson(join(out, "generation_config.json"), toGenerationConfig(checkpoint.generation, config));
  files.push("config.json", "generation_config.json");

  const tokenizer = await writeHfTokenizerFiles(out, checkpoint);
  files.push(...tokenizer.files);
  return { files, warnings: tokenizer.warning ? [tokenizer.warning] : [] };
}

/** model.safetensors, or shards plus their index; returns the file names written. */
async function writeWeights(out: string, checkpoint: LoadedCheckpoint, config: ModelConfig, options: HfExportOptions & { shardBytes: number }): Promise<string[]> {
  const entries = tensorsToExport(checkpoint, config);
  const convert = makeConverter(checkpoint.config, options.dtype);
  const stored = (t: Tensor): DType => (options.dtype && FLOAT_DTYPES.has(t.dtype) ? options.dtype : t.dtype);
  const sizes = entries.map(([, t]) => t.numel * dtypeBytes(stored(t)));
  const shards = splitIntoShards(sizes, options.shardBytes);
  const shardName = (i: number) => (shards.length === 1 ? SAFETENSORS_SINGLE : `model-${pad5(i + 1)}-of-${pad5(shards.length)}.safetensors`);
  // transformers refuses safetensors files whose metadata lacks "format".
  const metadata = { format: "pt", ...checkpoint.metadata };
  const total = sizes.reduce((a, b) => a + b, 0);
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  let done = 0;
  for (let s = 0; s < shards.length; s++) {
    const name = shardName(s);
    const members = shards[s]!.map((i) => entries[i]!);
    // Only this shard's converted tensors are alive at once.
    await writeSafetensors(join(out, name), members.map(([tensorName, t]) => [tensorName, convert(tensorName, t)] as const), metadata);
    for (const [tensorName] of members) weightMap[tensorName] = name;
    done += shards[s]!.reduce((n, i) => n + sizes[i]!, 0);
    options.onProgress?.({ phase: "write tensors", done, total });
    files.push(name);
  }
  if (shards.length > 1) {
    await writeJson(join(out, SAFETENSORS_INDEX), { metadata: { total_size: total }, weight_map: weightMap });
    files.push(SAFETENSORS_INDEX);
  }
  await removeStaleWeights(out, new Set(files));
  return files;
}

/** The tensors to write, architecture's order first, after checking nothing the config needs is missing. */
function tensorsToExport(checkpoint: LoadedCheckpoint, config: ModelConfig): Array<[string, Tensor]> {
  const w = checkpoint.weights;
  const list: Array<[string, Tensor]> = [];
  const seen = new Set<string>();
  for (const t of expectedTensors(config)) {
    seen.add(t.name);
    const tensor = w.get(t.name);
    // A tied model needs no lm_head; writing one would make transformers untie it.
    if (t.name === hfNames.lmHead && config.tiedEmbeddings) continue;
    if (!tensor) {
      if (t.optional) continue;
      throw new Error(`writeHfDirectory: the checkpoint (${checkpoint.source}) has no tensor ${t.name}`);
    }
    if (tensor.shape.join() !== t.shape.join()) {
      throw new Error(`writeHfDirectory: ${t.name} has shape [${tensor.shape.join(", ")}], the config implies [${t.shape.join(", ")}]`);
    }
    list.push([t.name, tensor]);
  }
  // Anything else (e.g. a sparse format's masks) is kept, in name order.
  for (const name of [...w.keys()].filter((n) => !seen.has(n)).sort()) list.push([name, w.get(name)!]);
  return list;
}

const QK = /^model\.layers\.\d+\.self_attn\.([qk])_proj\.(weight|bias)$/;

/** Per tensor: Q/K into "half" RoPE order when the source is "interleaved", then the dtype. */
function makeConverter(source: ModelConfig, dtype: HfExportDType | undefined): (name: string, t: Tensor) => Tensor {
  return (name, t) => {
    let x = t;
    const qk = source.rope.style === "interleaved" ? QK.exec(name) : null;
    if (qk) {
      const heads = qk[1] === "q" ? source.nHeads : source.nKvHeads;
      x = permuteInterleavedToHalf(x, heads, source.headDim, source.rope.rotaryDim);
    }
    if (dtype && FLOAT_DTYPES.has(x.dtype) && x.dtype !== dtype) x = x.to(dtype);
    return x;
  };
}

/** Greedy split in order; a tensor larger than the limit gets a shard of its own. */
export function splitIntoShards(sizes: readonly number[], limit: number): number[][] {
  const shards: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (current.length && bytes + size > limit) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length || shards.length === 0) shards.push(current);
  return shards;
}

function pad5(n: number): string {
  return String(n).padStart(5, "0");
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Weight files of an earlier export that the new one does not overwrite would confuse loaders. */
async function removeStaleWeights(dir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(dir)) {
    const ours = name === SAFETENSORS_SINGLE || name === SAFETENSORS_INDEX || SHARD_NAME.test(name);
    if (ours && !keep.has(name)) await unlink(join(dir, name));
  }
}
