/**
 * DejaVu predictors on disk: one safetensors file beside the checkpoint (docs/formats/dejavu.md).
 *
 *   dejavu.layers.N.mlp.w1   f32 [dim, rank]      dejavu.layers.N.attn.w1   f32 [dim, rank]
 *   dejavu.layers.N.mlp.b1   f32 [rank]           dejavu.layers.N.attn.b1   f32 [rank]
 *   dejavu.layers.N.mlp.w2   f32 [rank, hidden]   dejavu.layers.N.attn.w2   f32 [rank, nHeads]
 *   dejavu.layers.N.mlp.b2   f32 [hidden]         dejavu.layers.N.attn.b2   f32 [nHeads]
 *
 * __metadata__: format "sieve-dejavu", version "1", the model shape (dim, hidden_dim, n_heads,
 * n_layers), the budgets (mlp_budget, head_budget: fractions kept per token) and free-form
 * training facts (lookahead, label rules, ranks, seed, held-out recall).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { SafetensorsFile, Tensor, parseSafetensorsBuffer, writeSafetensors } from "@sieve/core";
import { LowRankPredictor } from "./predictor.js";
import type { DejaVuPredictors, DejaVuShape } from "./predictors.js";

export const DEJAVU_FORMAT = "sieve-dejavu";
export const DEJAVU_FORMAT_VERSION = "1";
/** The file name used beside a checkpoint directory. */
export const DEJAVU_FILE_NAME = "dejavu.safetensors";

const SHAPE_KEYS: ReadonlyArray<[keyof DejaVuShape, string]> = [
  ["dim", "dim"],
  ["hiddenDim", "hidden_dim"],
  ["nHeads", "n_heads"],
  ["nLayers", "n_layers"],
];
const STRUCTURAL = new Set(["format", "version", "mlp_budget", "head_budget", ...SHAPE_KEYS.map(([, k]) => k)]);

/** Where the predictors of a checkpoint live: dir/dejavu.safetensors, or model.dejavu.safetensors beside a file. */
export function dejavuPathFor(checkpoint: string): string {
  if (existsSync(checkpoint) && statSync(checkpoint).isDirectory()) return join(checkpoint, DEJAVU_FILE_NAME);
  const base = basename(checkpoint, extname(checkpoint));
  return join(dirname(checkpoint), `${base}.dejavu.safetensors`);
}

function tensorName(block: number, kind: "mlp" | "attn", part: "w1" | "b1" | "w2" | "b2"): string {
  return `dejavu.layers.${block}.${kind}.${part}`;
}

/** The tensors and metadata of a predictor set, as written to disk. */
export function dejavuTensors(predictors: DejaVuPredictors): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const tensors = new Map<string, Tensor>();
  predictors.blocks.forEach((b, i) => {
    for (const [kind, p] of [["mlp", b.mlp], ["attn", b.attention]] as const) {
      tensors.set(tensorName(i, kind, "w1"), Tensor.wrap("f32", p.w1, [p.inFeatures, p.rank]));
      tensors.set(tensorName(i, kind, "b1"), Tensor.wrap("f32", p.b1, [p.rank]));
      tensors.set(tensorName(i, kind, "w2"), Tensor.wrap("f32", p.w2, [p.rank, p.outFeatures]));
      tensors.set(tensorName(i, kind, "b2"), Tensor.wrap("f32", p.b2, [p.outFeatures]));
    }
  });
  const metadata: Record<string, string> = { ...predictors.info, format: DEJAVU_FORMAT, version: DEJAVU_FORMAT_VERSION };
  for (const [key, name] of SHAPE_KEYS) metadata[name] = String(predictors.shape[key]);
  metadata.mlp_budget = String(predictors.budgets.mlp);
  metadata.head_budget = String(predictors.budgets.heads);
  return { tensors, metadata };
}

export async function saveDejaVuPredictors(path: string, predictors: DejaVuPredictors): Promise<void> {
  const { tensors, metadata } = dejavuTensors(predictors);
  await writeSafetensors(path, tensors, metadata);
}

export async function loadDejaVuPredictors(path: string): Promise<DejaVuPredictors> {
  const file = await SafetensorsFile.open(path);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of file.names()) tensors.set(name, await file.read(name));
    return predictorsFromTensors(tensors, file.metadata, path);
  } finally {
    await file.close();
  }
}

/** loadDejaVuPredictors for synchronous callers (recipe appliers); predictor files are small. */
export function loadDejaVuPredictorsSync(path: string): DejaVuPredictors {
  const contents = parseSafetensorsBuffer(readFileSync(path), { label: path });
  return predictorsFromTensors(contents.tensors, contents.metadata, path);
}

/** Rebuilds predictors from a file's tensors and metadata; `source` names the file in errors. */
export function predictorsFromTensors(tensors: ReadonlyMap<string, Tensor>, metadata: Readonly<Record<string, string>>, source: string): DejaVuPredictors {
  const fail = (problem: string): never => {
    throw new RangeError(`${source}: ${problem} (not a DejaVu predictor file written by this version of Sieve? re-run \`sieve calibrate dejavu\`)`);
  };
  if (metadata.format !== DEJAVU_FORMAT) fail(`metadata "format" is ${JSON.stringify(metadata.format)}, expected "${DEJAVU_FORMAT}"`);
  if (metadata.version !== DEJAVU_FORMAT_VERSION) fail(`metadata "version" is ${JSON.stringify(metadata.version)}, expected "${DEJAVU_FORMAT_VERSION}"`);
  const number = (key: string, integer: boolean): number => {
    const v = Number(metadata[key]);
    if (metadata[key] === undefined || !Number.isFinite(v) || (integer && (!Number.isInteger(v) || v < 1))) fail(`metadata "${key}" is ${JSON.stringify(metadata[key])}`);
    return v;
  };
  const shape = Object.fromEntries(SHAPE_KEYS.map(([key, name]) => [key, number(name, true)])) as unknown as DejaVuShape;
  const budgets = { mlp: number("mlp_budget", false), heads: number("head_budget", false) };

  const f32 = (name: string, dims: number[] | undefined): Float32Array => {
    const t = tensors.get(name);
    if (!t) return fail(`tensor ${name} is missing`);
    if (t.dtype !== "f32") fail(`tensor ${name} is ${t.dtype}, expected f32`);
    if (dims && (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i]))) fail(`tensor ${name} has shape [${t.shape.join(", ")}], expected [${dims.join(", ")}]`);
    return t.contiguousData() as Float32Array;
  };
  const predictor = (block: number, kind: "mlp" | "attn", n: number): LowRankPredictor => {
    const w1 = tensors.get(tensorName(block, kind, "w1"));
    const rank = w1?.shape[1] ?? 0;
    return new LowRankPredictor(
      shape.dim,
      rank,
      n,
      f32(tensorName(block, kind, "w1"), [shape.dim, rank]),
      f32(tensorName(block, kind, "b1"), [rank]),
      f32(tensorName(block, kind, "w2"), [rank, n]),
      f32(tensorName(block, kind, "b2"), [n]),
    );
  };
  const blocks = Array.from({ length: shape.nLayers }, (_, i) => ({ mlp: predictor(i, "mlp", shape.hiddenDim), attention: predictor(i, "attn", shape.nHeads) }));
  const info = Object.fromEntries(Object.entries(metadata).filter(([k]) => !STRUCTURAL.has(k)));
  return { shape, blocks, budgets, info };
}
