/**
 * Loads a Hugging Face checkpoint directory (what save_pretrained writes, and what Sieve's own
 * tools write): config.json, generation_config.json, model.safetensors or a sharded index, and
 * tokenizer.json. Weights keep their stored dtype; each tensor is read once, from disk straight
 * into its final buffer, shard by shard in file order.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { allocWeightStorage, type Tensor } from "@sieve/core";
import { ModelConfigError, type ModelConfig } from "../arch/config.js";
import { parseHfConfig } from "../arch/hf-config.js";
import { expectedTensors, hfNames } from "../arch/weights.js";
import { HfTokenizer } from "../tokenizer/hf.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { CheckpointFormatError } from "./format-error.js";
import { parseGenerationConfig } from "./hf-generation.js";
import { readJsonObject, readOptionalJsonObject, type JsonObject } from "./hf-json.js";
import { CheckpointShards, type ShardTensor } from "./hf-shards.js";
import type { LoadedCheckpoint, LoadOptions } from "./types.js";

export interface HfDirectoryLoadOptions extends LoadOptions {
  /**
   * Also load tensors the architecture does not use (e.g. masks or indices of a sparse format
   * written by a pruning tool) into `weights`. Default false: they are listed in `warnings` and
   * not read.
   */
  loadExtraTensors?: boolean;
}

export interface HfDirectoryCheckpoint extends LoadedCheckpoint {
  /** Things worth telling the user that did not stop the load (unused tensors, metadata conflicts). */
  warnings: string[];
}

/** Buffers transformers registers but the model recomputes; never worth a warning. */
const SILENTLY_IGNORED = /(^|\.)rotary_emb\.inv_freq$/;

const FLOAT_DTYPES = new Set(["f32", "f16", "bf16"]);

export async function loadHfDirectory(dir: string, options: HfDirectoryLoadOptions = {}): Promise<HfDirectoryCheckpoint> {
  const root = resolve(dir);
  const configPath = join(root, "config.json");
  if (!existsSync(configPath)) {
    throw new CheckpointFormatError(root, "config.json", undefined, "is missing: not a Hugging Face checkpoint directory");
  }
  const rawConfig = await readJsonObject(configPath);
  rejectQuantized(rawConfig, configPath);
  const config = parseHfConfig(rawConfig, configPath);
  const generationPath = join(root, "generation_config.json");
  const generation = parseGenerationConfig(await readOptionalJsonObject(generationPath), generationPath, config);

  const warnings: string[] = [];
  const shards = await CheckpointShards.open(root);
  let weights: Map<string, Tensor>;
  let metadata: Record<string, string>;
  try {
    const plan = planTensors(shards, config, options.loadExtraTensors ?? false, warnings, packedWeights(shards));
    metadata = shards.mergedMetadata(warnings);
    weights = await readPlanned(plan, options);
  } finally {
    await shards.close();
  }

  const tokenizer = await loadTokenizer(root, warnings);
  return { config, weights, tokenizer, generation, format: "hf-dir", source: root, metadata, warnings };
}

/** Quantized checkpoints carry other tensors (qweight, scales) under other names: say so up front. */
function rejectQuantized(raw: JsonObject, file: string): void {
  const q = raw.quantization_config as JsonObject | undefined;
  if (q && typeof q === "object") {
    throw new ModelConfigError("quantized checkpoints are not supported (load the unquantized model)", "quantization_config.quant_method", q.quant_method, file);
  }
}

/**
 * Weights a pruning tool stored in a packed format instead of <name>.weight, listed by the
 * safetensors metadata entry "sieve.packed" (a JSON object: weight name -> format; see
 * docs/formats/sparse-weights.md). The loader does not interpret the formats: it only accepts
 * that those weights have no <name>.weight and loads their <name>.* tensors for the model's
 * LinearFactory to build the layers from.
 */
const PACKED_METADATA_KEY = "sieve.packed";

function packedWeights(shards: CheckpointShards): Set<string> {
  const raw = shards.mergedMetadata([])[PACKED_METADATA_KEY];
  if (raw === undefined) return new Set();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CheckpointFormatError(shards.files[0]?.path ?? "", `__metadata__["${PACKED_METADATA_KEY}"]`, undefined, "must be a JSON object mapping weight names to their packed format");
  }
  return new Set(Object.keys(parsed));
}

/** Whether a tensor such as "x.nm_values" belongs to a packed weight "x.weight". */
function packedOwner(tensor: string, packed: Set<string>): boolean {
  const dot = tensor.lastIndexOf(".");
  return dot > 0 && packed.has(`${tensor.slice(0, dot)}.weight`);
}

interface PlannedTensor {
  name: string;
  where: ShardTensor;
}

/**
 * Checks every tensor the config needs (presence, shape, dtype) from the headers alone, before
 * any data is read, and decides what to read.
 */
function planTensors(shards: CheckpointShards, config: ModelConfig, loadExtras: boolean, warnings: string[], packed: Set<string>): PlannedTensor[] {
  const plan: PlannedTensor[] = [];
  const accounted = new Set<string>();
  const missing: string[] = [];
  for (const t of expectedTensors(config)) {
    accounted.add(t.name);
    if (packed.has(t.name)) continue; // stored as packed tensors, loaded below
    const where = shards.tensors.get(t.name);
    if (!where) {
      if (!t.optional) missing.push(t.name);
      continue;
    }
    // A tied model may still store lm_head (a copy of the embedding): the model never reads it.
    if (t.name === hfNames.lmHead && config.tiedEmbeddings) continue;
    const { info } = where;
    if (info.shape.join() !== t.shape.join()) {
      throw new CheckpointFormatError(where.file.path, t.name, info.byteOffset, `shape [${info.shape.join(", ")}] does not match [${t.shape.join(", ")}] implied by config.json`);
    }
    if (!FLOAT_DTYPES.has(info.dtype)) {
      throw new CheckpointFormatError(where.file.path, t.name, info.byteOffset, `dtype ${info.dtype} is not supported (f32, f16, bf16)`);
    }
    plan.push({ name: t.name, where });
  }
  if (missing.length) {
    const some = missing.slice(0, 5).join(", ") + (missing.length > 5 ? `, ... (${missing.length} in all)` : "");
    const file = shards.files[0]?.path ?? "";
    throw new CheckpointFormatError(file, missing[0]!, undefined, `the checkpoint lacks tensors config.json implies: ${some}`);
  }
  for (const [name, where] of shards.tensors) {
    if (accounted.has(name) || SILENTLY_IGNORED.test(name)) continue;
    if (loadExtras || packedOwner(name, packed)) plan.push({ name, where });
    else warnings.push(`unused tensor ${name} [${where.info.shape.join(", ")}] ${where.info.dtype} in ${where.file.path} (not loaded)`);
  }
  return plan;
}

/** Reads the planned tensors shard by shard, each shard in file order (sequential I/O). */
async function readPlanned(plan: PlannedTensor[], options: LoadOptions): Promise<Map<string, Tensor>> {
  const ordered = [...plan].sort((a, b) => {
    if (a.where.file !== b.where.file) return a.where.file.path < b.where.file.path ? -1 : 1;
    return a.where.info.byteOffset - b.where.info.byteOffset;
  });
  const total = ordered.reduce((n, p) => n + p.where.info.byteLength, 0);
  let done = 0;
  const read = new Map<string, Tensor>();
  for (const p of ordered) {
    read.set(p.name, await p.where.file.read(p.name, allocWeightStorage));
    done += p.where.info.byteLength;
    options.onProgress?.({ phase: "read tensors", done, total });
  }
  // Callers iterate weights in the architecture's order, not the files'.
  return new Map(plan.map((p) => [p.name, read.get(p.name)!]));
}

async function loadTokenizer(root: string, warnings: string[]): Promise<Tokenizer | undefined> {
  if (existsSync(join(root, "tokenizer.json"))) return HfTokenizer.fromDirectory(root);
  if (existsSync(join(root, "tokenizer.model"))) {
    warnings.push(`${root} has tokenizer.model (SentencePiece) but no tokenizer.json; loaded without a tokenizer`);
  }
  return undefined;
}
