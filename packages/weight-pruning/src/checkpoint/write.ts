/**
 * Writes a pruned checkpoint: a Hugging Face directory (config.json, generation_config.json,
 * model.safetensors or shards + index) in which every packed weight is stored as its compressed
 * tensors (checkpoint/tensors.ts) instead of <name>.weight, with the "sieve.*" metadata entries
 * (checkpoint/metadata.ts) that tell loaders so. Everything else is written as the dense exporter
 * (packages/model hf-export.ts) writes it: same shard naming and size limit, Q/K rows of
 * interleaved-RoPE sources put in Hugging Face "half" order, and the tokenizer files
 * (writeHfTokenizerFiles: copied from an HF source, built for llama2.c / GGUF / .model ones).
 */
import { mkdir, readdir, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { writeSafetensors, type Tensor } from "@sieve/core";
import {
  DEFAULT_SHARD_BYTES,
  expectedTensors,
  hfNames,
  permuteInterleavedToHalf,
  splitIntoShards,
  toGenerationConfig,
  toHfConfig,
  writeHfTokenizerFiles,
  type LoadedCheckpoint,
  type ModelConfig,
} from "@sieve/model";
import { sparseFormatName, type SparseWeight } from "../formats/sparse-weight.js";
import { isSparseWeightTensor, sparseWeightTensors } from "./tensors.js";
import { packedMetadata, readPackedWeights, SIEVE_FORMAT_KEY, SIEVE_PACKED_KEY, SIEVE_RECIPE_KEY } from "./metadata.js";
import { layerNameOf } from "./names.js";

export interface WritePackedOptions {
  /** The pruning recipe, stored as JSON under "sieve.recipe". */
  recipe?: unknown;
  /** Largest shard in bytes (default 2 GB, as the dense exporter). */
  shardBytes?: number;
}

export interface WrittenCheckpoint {
  /** Files written, relative to the directory. */
  files: string[];
  /** Bytes of tensor data written (the checkpoint's size on disk, headers aside). */
  tensorBytes: number;
  /** weight name -> format, as stored under "sieve.packed". */
  packed: Record<string, string>;
  warnings: string[];
}

const TORCH_DTYPE: Record<string, "float32" | "float16" | "bfloat16"> = { f32: "float32", f16: "float16", bf16: "bfloat16" };
const SHARD_NAME = /^model-\d{5}-of-\d{5}\.safetensors$/;
const QK = /^model\.layers\.\d+\.self_attn\.([qk])_proj\.(weight|bias)$/;

/**
 * Writes `checkpoint` with the weights in `packed` (weight name -> compressed weight) stored
 * compressed. Packed Q/K weights must already be in "half" RoPE row order when the source is
 * interleaved (savePrunedCheckpoint takes care of that); dense ones are permuted here. A source
 * that is itself a pruned checkpoint keeps the packed weights it had, unless `packed` replaces them.
 */
export async function writePackedCheckpoint(dir: string, checkpoint: LoadedCheckpoint, packed: ReadonlyMap<string, SparseWeight>, options: WritePackedOptions = {}): Promise<WrittenCheckpoint> {
  const out = resolve(dir);
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!(shardBytes > 0)) throw new RangeError(`writePackedCheckpoint: shardBytes must be positive, got ${shardBytes}`);
  await mkdir(out, { recursive: true });
  const source = checkpoint.config;
  const config: ModelConfig = { ...source, rope: { ...source.rope, style: "half" } };

  const { entries, formats } = tensorsToWrite(checkpoint, config, packed);
  const sizes = entries.map(([, t]) => t.byteLength);
  const shards = splitIntoShards(sizes, shardBytes);
  const shardName = (i: number) => (shards.length === 1 ? "model.safetensors" : `model-${pad5(i + 1)}-of-${pad5(shards.length)}.safetensors`);
  // The packed layout's own entries are rewritten below; others (e.g. an activation recipe) stay.
  const rewritten = new Set([SIEVE_FORMAT_KEY, SIEVE_PACKED_KEY, SIEVE_RECIPE_KEY]);
  const inherited = Object.fromEntries(Object.entries(checkpoint.metadata).filter(([k]) => !rewritten.has(k)));
  // transformers refuses safetensors files whose metadata lacks "format".
  const metadata = { format: "pt", ...inherited, ...packedMetadata(formats, options.recipe) };
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards.length; s++) {
    const name = shardName(s);
    const members = shards[s]!.map((i) => entries[i]!);
    await writeSafetensors(join(out, name), members, metadata);
    for (const [tensorName] of members) weightMap[tensorName] = name;
    files.push(name);
  }
  const tensorBytes = sizes.reduce((a, b) => a + b, 0);
  if (shards.length > 1) {
    await writeJson(join(out, "model.safetensors.index.json"), { metadata: { total_size: tensorBytes }, weight_map: weightMap });
    files.push("model.safetensors.index.json");
  }
  await removeStaleWeights(out, new Set(files));

  const embedDtype = checkpoint.weights.get(hfNames.embed)?.dtype ?? "f32";
  await writeJson(join(out, "config.json"), { ...toHfConfig(config), torch_dtype: TORCH_DTYPE[embedDtype] ?? "float32" });
  await writeJson(join(out, "generation_config.json"), toGenerationConfig(checkpoint.generation, config));
  files.push("config.json", "generation_config.json");

  const warnings: string[] = [];
  const tokenizer = await writeHfTokenizerFiles(out, checkpoint);
  files.push(...tokenizer.files);
  if (tokenizer.warning) warnings.push(tokenizer.warning);
  return { files, tensorBytes, packed: formats, warnings };
}

/** The tensors in architecture order (packed weights as their compressed tensors), then extras by name. */
function tensorsToWrite(checkpoint: LoadedCheckpoint, config: ModelConfig, packed: ReadonlyMap<string, SparseWeight>): { entries: Array<[string, Tensor]>; formats: Record<string, string> } {
  const w = checkpoint.weights;
  const inheritedPacked = readPackedWeights(checkpoint.metadata);
  const entries: Array<[string, Tensor]> = [];
  const formats: Record<string, string> = {};
  const written = new Set<string>();
  const permute = makeQkPermuter(checkpoint.config);
  const expected = expectedTensors(config);
  for (const name of packed.keys()) {
    if (!expected.some((t) => t.name === name)) throw new Error(`writePackedCheckpoint: ${name} is not a weight of this model`);
    // The model builds only the projections inside its blocks through a LinearFactory; the
    // embedding and LM head are always dense.
    if (!/^model\.layers\.\d+\./.test(name)) throw new Error(`writePackedCheckpoint: ${name} cannot be stored packed (only the linears inside the blocks can)`);
  }
  for (const t of expected) {
    written.add(t.name);
    if (t.name === hfNames.lmHead && config.tiedEmbeddings) continue;
    const sparse = packed.get(t.name);
    if (sparse) {
      if (sparse.rows !== t.shape[0] || sparse.cols !== t.shape[1]) {
        throw new Error(`writePackedCheckpoint: ${t.name} is packed as ${sparse.rows}x${sparse.cols}, the config implies [${t.shape.join(", ")}]`);
      }
      for (const entry of sparseWeightTensors(layerNameOf(t.name), sparse)) {
        entries.push(entry);
        written.add(entry[0]);
      }
      formats[t.name] = sparseFormatName(sparse);
      continue;
    }
    const tensor = w.get(t.name);
    if (!tensor) {
      const format = inheritedPacked.get(t.name);
      if (format) {
        formats[t.name] = format; // packed in the source and not replaced: its tensors go with the extras
        continue;
      }
      if (t.optional) continue;
      throw new Error(`writePackedCheckpoint: the checkpoint (${checkpoint.source}) has no tensor ${t.name}`);
    }
    if (tensor.shape.join() !== t.shape.join()) {
      throw new Error(`writePackedCheckpoint: ${t.name} has shape [${tensor.shape.join(", ")}], the config implies [${t.shape.join(", ")}]`);
    }
    entries.push([t.name, permute(t.name, tensor)]);
  }
  // Anything else is kept, in name order, except the packed tensors of weights `packed` replaces.
  const replaced = [...packed.keys()].map(layerNameOf);
  for (const name of [...w.keys()].filter((n) => !written.has(n)).sort()) {
    if (replaced.some((base) => isSparseWeightTensor(base, name))) continue;
    entries.push([name, w.get(name)!]);
  }
  return { entries, formats };
}

/** Q/K rows of an interleaved-RoPE source into "half" order (as the dense exporter does). */
function makeQkPermuter(source: ModelConfig): (name: string, t: Tensor) => Tensor {
  return (name, t) => {
    const qk = source.rope.style === "interleaved" ? QK.exec(name) : null;
    if (!qk) return t;
    const heads = qk[1] === "q" ? source.nHeads : source.nKvHeads;
    return permuteInterleavedToHalf(t, heads, source.headDim, source.rope.rotaryDim);
  };
}

/** Weight files of an earlier write that this one does not overwrite would confuse loaders. */
async function removeStaleWeights(dir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(dir)) {
    const ours = name === "model.safetensors" || name === "model.safetensors.index.json" || SHARD_NAME.test(name);
    if (ours && !keep.has(name)) await unlink(join(dir, name));
  }
}

function pad5(n: number): string {
  return String(n).padStart(5, "0");
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
