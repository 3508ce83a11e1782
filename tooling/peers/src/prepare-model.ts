import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Tensor } from "@sieve/core";
import { loadCheckpoint, writeGguf, writeSynthHfDir, type LoadedCheckpoint, type SynthDType } from "@sieve/model";
import { syntheticLlamaVocab } from "./synthetic-vocab.js";

export interface PreparedModel {
  dtype: SynthDType;
  /** The synthetic Hugging Face directory Sieve benchmarks. */
  hfDir: string;
  /** The same weights as GGUF, written by Sieve's own writer, which llama.cpp benchmarks. */
  gguf: string;
}

/**
 * Writes synth:PRESET as a Hugging Face directory, then exports that directory (as loaded by
 * Sieve) to GGUF with Sieve's writer, adding a synthetic vocabulary so llama.cpp loads it. Norm
 * weights go to the GGUF as f32, as llama.cpp's converter stores 1-D tensors (exact: every f16
 * or bf16 value is an f32); matrices keep the dtype under test.
 */
export async function prepareModel(workDir: string, preset: string, dtype: SynthDType): Promise<PreparedModel> {
  const hfDir = join(workDir, `${preset}-${dtype}`);
  const gguf = join(workDir, `${preset}-${dtype}.gguf`);
  await mkdir(workDir, { recursive: true });
  await writeSynthHfDir(hfDir, preset, dtype);
  const checkpoint = await loadCheckpoint(hfDir);
  const c = checkpoint.config;
  await writeGguf(gguf, withF32Vectors(checkpoint), { vocab: syntheticLlamaVocab(c.vocabSize, c.bosTokenId, c.eosTokenIds[0]), name: `sieve synth:${preset}:${dtype}` });
  return { dtype, hfDir, gguf };
}

function withF32Vectors(checkpoint: LoadedCheckpoint): LoadedCheckpoint {
  const weights = new Map<string, Tensor>();
  for (const [name, t] of checkpoint.weights) weights.set(name, t.shape.length === 1 && t.dtype !== "f32" ? t.to("f32") : t);
  return { ...checkpoint, weights };
}
