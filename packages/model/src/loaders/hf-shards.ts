/**
 * Finds the safetensors files of a Hugging Face checkpoint directory and maps every tensor name
 * to the shard that holds it. Opening a shard reads only its header; tensor data is read later,
 * on demand, straight into each tensor's final buffer.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { SafetensorsFile, type SafetensorsTensorInfo } from "@sieve/core";
import { CheckpointFormatError } from "./format-error.js";
import { readJsonObject } from "./hf-json.js";

export const SAFETENSORS_SINGLE = "model.safetensors";
export const SAFETENSORS_INDEX = "model.safetensors.index.json";

/** One tensor as found in a shard's header. */
export interface ShardTensor {
  file: SafetensorsFile;
  info: SafetensorsTensorInfo;
}

/** The open shards of a checkpoint; close() when done reading. */
export class CheckpointShards {
  private constructor(
    /** In first-use order. */
    readonly files: SafetensorsFile[],
    /** Every tensor of the checkpoint by name. */
    readonly tensors: ReadonlyMap<string, ShardTensor>,
  ) {}

  /**
   * Opens model.safetensors, or the shards named by model.safetensors.index.json (which wins, as
   * in transformers). Without either, any *.safetensors files in the directory are taken together.
   */
  static async open(dir: string): Promise<CheckpointShards> {
    const entries = await readdir(dir);
    const opened: SafetensorsFile[] = [];
    try {
      if (entries.includes(SAFETENSORS_INDEX)) return await CheckpointShards.openIndexed(dir, opened);
      const names = entries.includes(SAFETENSORS_SINGLE) ? [SAFETENSORS_SINGLE] : entries.filter((e) => e.endsWith(".safetensors")).sort();
      if (names.length === 0) throw noWeightsError(dir, entries);
      const tensors = new Map<string, ShardTensor>();
      for (const name of names) {
        const file = await SafetensorsFile.open(join(dir, name));
        opened.push(file);
        for (const info of file.infos()) {
          const earlier = tensors.get(info.name);
          if (earlier) throw new CheckpointFormatError(file.path, info.name, undefined, `the tensor is also in ${earlier.file.path}`, "Remove the stray .safetensors file, or add a model.safetensors.index.json");
          tensors.set(info.name, { file, info });
        }
      }
      return new CheckpointShards(opened, tensors);
    } catch (error) {
      await Promise.all(opened.map((f) => f.close()));
      throw error;
    }
  }

  private static async openIndexed(dir: string, opened: SafetensorsFile[]): Promise<CheckpointShards> {
    const indexPath = join(dir, SAFETENSORS_INDEX);
    const index = await readJsonObject(indexPath);
    const weightMap = index.weight_map;
    if (!weightMap || typeof weightMap !== "object" || Array.isArray(weightMap)) {
      throw new CheckpointFormatError(indexPath, "weight_map", undefined, "must be an object mapping tensor names to shard files");
    }
    const byShard = new Map<string, SafetensorsFile>();
    const tensors = new Map<string, ShardTensor>();
    for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
      if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\") || shard === "..") {
        throw new CheckpointFormatError(indexPath, `weight_map["${name}"]`, undefined, `must be a shard file name in the same directory, got ${JSON.stringify(shard)}`);
      }
      let file = byShard.get(shard);
      if (!file) {
        try {
          file = await SafetensorsFile.open(join(dir, shard));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
          throw new CheckpointFormatError(indexPath, `weight_map["${name}"]`, undefined, `names the shard ${shard}, which is not in ${dir}`, "Download the missing shard");
        }
        opened.push(file);
        byShard.set(shard, file);
      }
      if (!file.has(name)) {
        throw new CheckpointFormatError(indexPath, `weight_map["${name}"]`, undefined, `says the tensor is in ${shard}, but that shard has no such tensor`);
      }
      tensors.set(name, { file, info: file.info(name) });
    }
    return new CheckpointShards(opened, tensors);
  }

  /** Metadata of all shards merged (first shard wins); conflicting values are reported. */
  mergedMetadata(conflicts: string[]): Record<string, string> {
    const merged: Record<string, string> = {};
    const from: Record<string, string> = {};
    for (const file of this.files) {
      for (const [key, value] of Object.entries(file.metadata)) {
        if (!(key in merged)) {
          merged[key] = value;
          from[key] = file.path;
        } else if (merged[key] !== value) {
          conflicts.push(`safetensors metadata "${key}" differs between ${from[key]} and ${file.path}; kept the first`);
        }
      }
    }
    return merged;
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

function noWeightsError(dir: string, entries: string[]): CheckpointFormatError {
  const pickles = entries.filter((e) => /\.(bin|pt|pth)$/.test(e));
  const ggufs = entries.filter((e) => e.endsWith(".gguf"));
  const fix = ggufs.length
    ? `The directory holds GGUF files; load one of them directly (${ggufs.join(", ")})`
    : pickles.length
      ? `It holds PyTorch pickles (${pickles.slice(0, 3).join(", ")}); Sieve reads safetensors only: re-save with transformers' save_pretrained(safe_serialization=True)`
      : undefined;
  return new CheckpointFormatError(dir, SAFETENSORS_SINGLE, undefined, `no ${SAFETENSORS_SINGLE}, ${SAFETENSORS_INDEX} or other .safetensors file`, fix);
}
