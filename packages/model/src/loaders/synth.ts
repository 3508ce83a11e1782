/**
 * Synthetic checkpoints: real model shapes (see synth/presets.ts) with deterministic random
 * weights, for speed and memory work without downloading anything. Matrices and embeddings are
 * ~N(0, 0.02^2), norm weights ~1 + N(0, 0.02^2). Every tensor is generated straight into its final
 * typed array, from a stream seeded by (seed, tensor name) (see synth/fast-normal.ts), so the
 * in-memory checkpoint and the HF directory hold bit-identical weights for the same seed.
 *
 * No tokenizer: synthetic weights produce meaningless text anyway, and the presets' vocab sizes
 * match no tokenizer we could build offline.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { allocWeightStorage, Tensor } from "@sieve/core";
import type { ModelConfig } from "../arch/config.js";
import { toHfConfig } from "../arch/hf-config.js";
import { expectedTensors } from "../arch/weights.js";
import { fillFastNormal, streamSeed, type SynthDType } from "../synth/fast-normal.js";
import { synthPresetConfig } from "../synth/presets.js";
import { writeStreamedSafetensors, type StreamedTensor } from "../synth/safetensors-stream.js";
import type { LoadedCheckpoint } from "./types.js";

export { SYNTH_PRESETS, synthPresetConfig, type SynthPresetName } from "../synth/presets.js";
export type { SynthDType } from "../synth/fast-normal.js";

const WEIGHT_STD = 0.02;
const NORM_NOISE_STD = 0.02;
const BYTES: Record<SynthDType, number> = { f32: 4, f16: 2, bf16: 2 };

/** HF "2GB" shards are 2 * 10^9 bytes; leave room for the header inside that. */
export const DEFAULT_MAX_SHARD_BYTES = 2_000_000_000;
const HEADER_RESERVE = 1 << 20;

/** Every tensor of the config, each able to generate its data on demand. */
function synthTensors(config: ModelConfig, dtype: SynthDType, seed: number): StreamedTensor[] {
  return expectedTensors(config)
    .filter((t) => !t.optional)
    .map((t) => {
      const numel = t.shape.reduce((a, b) => a * b, 1);
      const isNorm = t.shape.length === 1 && !t.name.endsWith(".bias");
      return {
        name: t.name,
        dtype,
        shape: t.shape,
        byteLength: numel * BYTES[dtype],
        produce: () => {
          const data = allocWeightStorage(dtype, numel);
          fillFastNormal(data, dtype, isNorm ? 1 : 0, isNorm ? NORM_NOISE_STD : WEIGHT_STD, streamSeed(seed, t.name));
          return data;
        },
      };
    });
}

function checkDType(dtype: string): asserts dtype is SynthDType {
  if (dtype !== "f32" && dtype !== "f16" && dtype !== "bf16") throw new RangeError(`synthetic dtype must be f32, f16 or bf16, got ${JSON.stringify(dtype)}`);
}

/** A synthetic checkpoint in memory (no tokenizer). */
export function synthCheckpoint(preset: string, dtype: SynthDType = "f32", seed = 0): LoadedCheckpoint {
  checkDType(dtype);
  const config = synthPresetConfig(preset);
  const weights = new Map<string, Tensor>();
  for (const t of synthTensors(config, dtype, seed)) weights.set(t.name, Tensor.wrap(dtype, t.produce(), t.shape));
  return {
    config,
    weights,
    tokenizer: undefined,
    generation: { bosTokenId: config.bosTokenId, eosTokenIds: config.eosTokenIds },
    format: "synth",
    source: `synth:${preset}:${dtype}:${seed}`,
    metadata: synthMetadata(preset, dtype, seed),
  };
}

function synthMetadata(preset: string, dtype: SynthDType, seed: number): Record<string, string> {
  return { "synth.preset": preset, "synth.dtype": dtype, "synth.seed": String(seed), "synth.generator": "xorshift32 into a 65536-entry normal table" };
}

/** Greedy packing in tensor order, each shard's data at most `limit` bytes (a lone larger tensor gets its own). */
function packShards(tensors: StreamedTensor[], limit: number): StreamedTensor[][] {
  const shards: StreamedTensor[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    if (size + t.byteLength > limit && shards.at(-1)!.length > 0) {
      shards.push([]);
      size = 0;
    }
    shards.at(-1)!.push(t);
    size += t.byteLength;
  }
  return shards;
}

export interface WriteSynthOptions {
  seed?: number;
  /** Largest safetensors file, in bytes (default 2 GB, as HF's save_pretrained). */
  maxShardBytes?: number;
}

export interface WrittenSynthDir {
  dir: string;
  /** Safetensors file names, in order. */
  files: string[];
  /** Bytes of tensor data. */
  totalBytes: number;
}

const TORCH_DTYPE: Record<SynthDType, string> = { f32: "float32", f16: "float16", bf16: "bfloat16" };

/**
 * Writes a Hugging Face model directory: config.json, generation_config.json and
 * model.safetensors, or model-0000i-of-0000n.safetensors shards plus model.safetensors.index.json
 * when the weights exceed one shard. Tensors are generated and written one at a time.
 */
export async function writeSynthHfDir(dir: string, preset: string, dtype: SynthDType = "f32", options: WriteSynthOptions = {}): Promise<WrittenSynthDir> {
  checkDType(dtype);
  const seed = options.seed ?? 0;
  const config = synthPresetConfig(preset);
  const out = resolve(dir);
  await mkdir(out, { recursive: true });

  const tensors = synthTensors(config, dtype, seed);
  const limit = Math.max(1, (options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES) - HEADER_RESERVE);
  const shards = packShards(tensors, limit);
  const files = shards.length === 1 ? ["model.safetensors"] : shards.map((_, i) => `model-${pad5(i + 1)}-of-${pad5(shards.length)}.safetensors`);
  const metadata = { format: "pt", ...synthMetadata(preset, dtype, seed) };
  for (let i = 0; i < shards.length; i++) await writeStreamedSafetensors(join(out, files[i]!), shards[i]!, metadata);

  const totalBytes = tensors.reduce((n, t) => n + t.byteLength, 0);
  if (shards.length > 1) {
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => shard.forEach((t) => (weightMap[t.name] = files[i]!)));
    await writeJson(join(out, "model.safetensors.index.json"), { metadata: { total_size: totalBytes }, weight_map: weightMap });
  }
  await writeJson(join(out, "config.json"), { ...toHfConfig(config), torch_dtype: TORCH_DTYPE[dtype] });
  const eos = config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : config.eosTokenIds;
  await writeJson(join(out, "generation_config.json"), { bos_token_id: config.bosTokenId, eos_token_id: eos });
  return { dir: out, files, totalBytes };
}

function pad5(n: number): string {
  return String(n).padStart(5, "0");
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
