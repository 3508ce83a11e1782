/**
 * A pruned checkpoint with its packed weights (docs/formats/sparse-weights.md) expanded back to
 * dense `<name>.weight` tensors: what formats without sparse layouts (GGUF, plain Hugging Face
 * directories for other tools) need. Pruned entries become zeros; kept values come back exactly
 * (f16 values as f16 tensors, f32 as f32). The "sieve.packed" / "sieve.format" metadata go, the
 * recipe stays, so the result loads as an ordinary dense checkpoint that computes the same model.
 */
import { Tensor } from "@sieve/core";
import { expectedTensors, type LoadedCheckpoint } from "@sieve/model";
import { decompressSparseWeight, sparseValueDtype } from "../formats/sparse-weight.js";
import { readPackedWeights, SIEVE_FORMAT_KEY, SIEVE_PACKED_KEY, type PackedFormatName } from "./metadata.js";
import { layerNameOf } from "./names.js";
import { isSparseWeightTensor, sparseWeightFromTensors } from "./tensors.js";

export interface DensifiedCheckpoint {
  checkpoint: LoadedCheckpoint;
  /** weight name -> the packed format it was stored in (empty when nothing was packed). */
  densified: Map<string, PackedFormatName>;
}

export function densifyPackedCheckpoint(checkpoint: LoadedCheckpoint): DensifiedCheckpoint {
  const packed = readPackedWeights(checkpoint.metadata);
  if (packed.size === 0) return { checkpoint, densified: packed };
  const expected = expectedTensors(checkpoint.config);
  const dense = new Map<string, Tensor>();
  for (const name of packed.keys()) {
    const shape = expected.find((t) => t.name === name)?.shape;
    if (!shape || shape.length !== 2) throw new Error(`densifyPackedCheckpoint: ${name} (listed in "${SIEVE_PACKED_KEY}") is not a matrix of this model`);
    const [rows, cols] = shape as [number, number];
    const sparse = sparseWeightFromTensors(checkpoint.weights, layerNameOf(name), rows, cols);
    if (!sparse) throw new Error(`densifyPackedCheckpoint: ${checkpoint.source} lists ${name} as packed but holds none of its tensors`);
    const f32 = Tensor.wrap("f32", decompressSparseWeight(sparse).weight, [rows, cols]);
    dense.set(name, sparseValueDtype(sparse) === "f16" ? f32.to("f16") : f32);
  }
  const weights = new Map<string, Tensor>();
  // Architecture order first (as loaders produce it), then whatever else the checkpoint held.
  for (const t of expected) {
    const tensor = dense.get(t.name) ?? checkpoint.weights.get(t.name);
    if (tensor) weights.set(t.name, tensor);
  }
  const bases = [...packed.keys()].map(layerNameOf);
  for (const [name, tensor] of checkpoint.weights) {
    if (weights.has(name) || bases.some((base) => isSparseWeightTensor(base, name))) continue;
    weights.set(name, tensor);
  }
  const metadata = Object.fromEntries(Object.entries(checkpoint.metadata).filter(([k]) => k !== SIEVE_PACKED_KEY && k !== SIEVE_FORMAT_KEY));
  return { checkpoint: { ...checkpoint, weights, metadata }, densified: packed };
}
