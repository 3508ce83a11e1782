/**
 * Structured pruning of a whole model: MLP channels, attention heads (GQA-aware) or whole
 * blocks. It physically shrinks tensors and returns a NEW, smaller checkpoint (config + weights
 * under HF names) and the model built from it; the input model is left as it was.
 *
 * ModelConfig has one hiddenDim / nHeads / nKvHeads for all blocks, so every block loses the
 * same number of channels or heads (each block chooses which by its own scores): the result is
 * an ordinary uniform checkpoint that every loader, writer and kernel already handles.
 *
 * Scores come from one dense calibration pass (runBlockwise without updates). With
 * `reconstruct`, the layer that reads the removed features (down_proj for channels, o_proj for
 * heads) refits its remaining columns by least squares on the same pass's inputs, which are
 * exactly the inputs it sees after pruning (the kept channels/heads are unchanged).
 */
import type { LinearLayer, Tensor } from "@sieve/core";
import {
  LlamaModel,
  collectBlockInputs,
  hfNames,
  runBlockwise,
  validateConfig,
  type CalibrationSamples,
  type LinearInputStats,
  type LlamaModelOptions,
  type ModelConfig,
} from "@sieve/model";
import { attentionHeadScores, selectHeads, shrinkAttention, type HeadPruningUnit, type KeptHeads } from "../algorithms/structured/attention-heads.js";
import { blockInfluence, blocksToRemove } from "../algorithms/structured/blocks.js";
import { mlpChannelScores, selectMlpChannels, shrinkMlp } from "../algorithms/structured/mlp-channels.js";
import { keepColumns } from "../algorithms/structured/shrink.js";
import { reconstructKeptWeights, type ReconstructOptions } from "../algorithms/reconstruct.js";
import type { WeightMatrix } from "../algorithms/types.js";
import { checkpointWeightsOf, matrixTensor } from "./checkpoint-weights.js";
import { readDenseLinear, toStoredDType } from "./dense-linear.js";

export type StructuredPruning =
  /** Remove round(ratio · hiddenDim) MLP channels from every block. */
  | { kind: "mlp-channels"; ratio: number }
  /** Remove round(ratio · nKvHeads) KV groups (unit "kv-group", default) or round(ratio · group size) query heads per group from every block. */
  | { kind: "attention-heads"; ratio: number; unit?: HeadPruningUnit }
  /** Remove the `count` blocks with the lowest block influence. */
  | { kind: "blocks"; count: number };

export interface StructuredPruneOptions {
  calibration: CalibrationSamples;
  /** Refit down_proj (channels) or o_proj (heads) on their kept inputs. Ignored for blocks. */
  reconstruct?: boolean | ReconstructOptions;
  /** Options of the new model (backend, linear factory). */
  modelOptions?: LlamaModelOptions;
  onProgress?: (event: { layer: number; done: number; total: number }) => void;
}

export interface StructuredPruneReport {
  kind: StructuredPruning["kind"];
  /** Per block, the indices removed (channels, query heads, or, for blocks, one list of block indices). */
  removed: number[][];
  /** Block influence per original block (kind "blocks"). */
  blockInfluence?: number[];
  parametersBefore: number;
  parametersAfter: number;
  seconds: number;
}

export interface StructuredPruneResult {
  config: ModelConfig;
  weights: Map<string, Tensor>;
  model: LlamaModel;
  report: StructuredPruneReport;
}

export async function pruneStructured(model: LlamaModel, spec: StructuredPruning, options: StructuredPruneOptions): Promise<StructuredPruneResult> {
  const started = performance.now();
  const c = model.config;
  const reconstruct = options.reconstruct === true ? {} : options.reconstruct || undefined;
  const stats = new Map<number, ReadonlyMap<string, LinearInputStats>>();
  const influence: number[] = [];
  await runBlockwise(model, options.calibration, {
    listen:
      spec.kind === "blocks"
        ? undefined
        : (layer, taps) => {
            const collector = collectBlockInputs(model, layer, (paths) => ({ gram: reconstruct !== undefined && paths.some((p) => /\.(o_proj|down_proj)$/.test(p)) }));
            stats.set(layer, collector.stats);
            return collector.listen(taps);
          },
    observe: spec.kind === "blocks" ? (layer, inputs, outputs) => (influence[layer] = blockInfluence(inputs, outputs, c.dim)) : undefined,
    onProgress: (e) => options.onProgress?.({ layer: e.layer, done: e.done, total: e.total }),
  });

  const weights = checkpointWeightsOf(model);
  let config: ModelConfig;
  let removed: number[][];
  if (spec.kind === "mlp-channels") ({ config, removed } = pruneChannels(model, weights, spec.ratio, stats, reconstruct));
  else if (spec.kind === "attention-heads") ({ config, removed } = pruneHeads(model, weights, spec.ratio, spec.unit ?? "kv-group", stats, reconstruct));
  else ({ config, removed } = removeBlocks(model.config, weights, blocksToRemove(influence, spec.count)));
  validateConfig(config);
  const pruned = new LlamaModel(config, weights, options.modelOptions);
  return {
    config,
    weights,
    model: pruned,
    report: {
      kind: spec.kind,
      removed,
      blockInfluence: spec.kind === "blocks" ? influence : undefined,
      parametersBefore: parameterCount(checkpointWeightsOf(model)),
      parametersAfter: parameterCount(weights),
      seconds: (performance.now() - started) / 1000,
    },
  };
}

function removedCount(ratio: number, of: number, what: string): number {
  if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`pruneStructured: ${what} ratio must be in [0, 1), got ${ratio}`);
  return Math.round(ratio * of);
}

function linearOf(model: LlamaModel, path: string): { w: WeightMatrix; dtype: ReturnType<typeof readDenseLinear>["dtype"] } {
  const r = readDenseLinear(model.tree.get<LinearLayer>(path).get(), path);
  return { w: r.matrix, dtype: r.dtype };
}

/** The columns `kept` of w, refit on their inputs first when reconstructing. */
function keptColumnsRefit(w: WeightMatrix, kept: Int32Array, stats: LinearInputStats, reconstruct: ReconstructOptions | undefined): WeightMatrix {
  if (!reconstruct) return keepColumns(w, kept);
  const mask = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) for (const j of kept) mask[r * w.cols + j] = 1;
  return keepColumns({ data: reconstructKeptWeights(w, mask, stats.gram!, reconstruct), rows: w.rows, cols: w.cols }, kept);
}

function pruneChannels(
  model: LlamaModel,
  weights: Map<string, Tensor>,
  ratio: number,
  stats: Map<number, ReadonlyMap<string, LinearInputStats>>,
  reconstruct: ReconstructOptions | undefined,
): { config: ModelConfig; removed: number[][] } {
  const c = model.config;
  const keep = c.hiddenDim - removedCount(ratio, c.hiddenDim, "mlp-channels");
  if (keep < 1) throw new RangeError(`pruneStructured: removing ${ratio} of ${c.hiddenDim} channels leaves none`);
  const removed: number[][] = [];
  for (let i = 0; i < c.nLayers; i++) {
    const p = `layers.${i}.mlp`;
    const gate = linearOf(model, `${p}.gate_proj`);
    const up = linearOf(model, `${p}.up_proj`);
    const down = linearOf(model, `${p}.down_proj`);
    const downStats = stats.get(i)!.get(`${p}.down_proj`)!;
    const kept = selectMlpChannels(mlpChannelScores(down.w, downStats.sumSquares), keep);
    const shrunk = shrinkMlp({ gate: gate.w, up: up.w, down: down.w }, kept);
    const downNew = keptColumnsRefit(down.w, kept, downStats, reconstruct);
    const n = hfNames.layer(i);
    weights.set(n.gate, matrixTensor(toStoredDType(shrunk.gate.data, gate.dtype), gate.dtype, keep, c.dim));
    weights.set(n.up, matrixTensor(toStoredDType(shrunk.up.data, up.dtype), up.dtype, keep, c.dim));
    weights.set(n.down, matrixTensor(toStoredDType(downNew.data, down.dtype), down.dtype, c.dim, keep));
    removed.push(complement(kept, c.hiddenDim));
  }
  return { config: { ...c, hiddenDim: keep }, removed };
}

function pruneHeads(
  model: LlamaModel,
  weights: Map<string, Tensor>,
  ratio: number,
  unit: HeadPruningUnit,
  stats: Map<number, ReadonlyMap<string, LinearInputStats>>,
  reconstruct: ReconstructOptions | undefined,
): { config: ModelConfig; removed: number[][] } {
  const c = model.config;
  const layout = { nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim };
  const remove = unit === "kv-group" ? removedCount(ratio, c.nKvHeads, "attention-heads") : removedCount(ratio, c.nHeads / c.nKvHeads, "attention-heads");
  const removed: number[][] = [];
  let kept: KeptHeads | undefined;
  for (let i = 0; i < c.nLayers; i++) {
    const p = `layers.${i}.self_attn`;
    const read = (slot: string) => readDenseLinear(model.tree.get<LinearLayer>(`${p}.${slot}`).get(), `${p}.${slot}`);
    const q = read("q_proj");
    const k = read("k_proj");
    const v = read("v_proj");
    const o = read("o_proj");
    const oStats = stats.get(i)!.get(`${p}.o_proj`)!;
    kept = selectHeads(attentionHeadScores(o.matrix, oStats.sumSquares, layout), layout, unit, remove);
    const shrunk = shrinkAttention({ q: q.matrix, k: k.matrix, v: v.matrix, o: o.matrix, qBias: q.bias, kBias: k.bias, vBias: v.bias }, layout, kept);
    const qCols = shrunk.q.rows;
    const oNew = keptColumnsRefit(o.matrix, expandHeadColumns(kept.queryHeads, c.headDim), oStats, reconstruct);
    const n = hfNames.layer(i);
    weights.set(n.q, matrixTensor(toStoredDType(shrunk.q.data, q.dtype), q.dtype, shrunk.q.rows, c.dim));
    weights.set(n.k, matrixTensor(toStoredDType(shrunk.k.data, k.dtype), k.dtype, shrunk.k.rows, c.dim));
    weights.set(n.v, matrixTensor(toStoredDType(shrunk.v.data, v.dtype), v.dtype, shrunk.v.rows, c.dim));
    weights.set(n.o, matrixTensor(toStoredDType(oNew.data, o.dtype), o.dtype, c.dim, qCols));
    for (const [name, bias] of [[n.qBias, shrunk.qBias], [n.kBias, shrunk.kBias], [n.vBias, shrunk.vBias]] as const) {
      if (bias) weights.set(name, matrixTensor(bias, "f32", 1, bias.length).view([bias.length]));
    }
    removed.push(complement(kept.queryHeads, c.nHeads));
  }
  const nHeads = kept ? kept.queryHeads.length : c.nHeads;
  const nKvHeads = kept ? kept.kvHeads.length : c.nKvHeads;
  return { config: { ...c, nHeads, nKvHeads }, removed };
}

function expandHeadColumns(heads: Int32Array, headDim: number): Int32Array {
  const out = new Int32Array(heads.length * headDim);
  heads.forEach((h, i) => {
    for (let d = 0; d < headDim; d++) out[i * headDim + d] = h * headDim + d;
  });
  return out;
}

function removeBlocks(c: ModelConfig, weights: Map<string, Tensor>, drop: number[]): { config: ModelConfig; removed: number[][] } {
  const keptLayers = Array.from({ length: c.nLayers }, (_, i) => i).filter((i) => !drop.includes(i));
  const prefix = (i: number): string => `model.layers.${i}.`;
  const moved = new Map<string, Tensor>();
  for (const [name, t] of weights) {
    const m = /^model\.layers\.(\d+)\.(.*)$/.exec(name);
    if (!m) continue;
    weights.delete(name);
    const newIndex = keptLayers.indexOf(Number(m[1]));
    if (newIndex >= 0) moved.set(prefix(newIndex) + m[2], t);
  }
  for (const [name, t] of moved) weights.set(name, t);
  return { config: { ...c, nLayers: keptLayers.length }, removed: [drop] };
}

function complement(kept: ArrayLike<number>, size: number): number[] {
  const k = new Set(Array.from(kept));
  return Array.from({ length: size }, (_, i) => i).filter((i) => !k.has(i));
}

function parameterCount(weights: Map<string, Tensor>): number {
  let n = 0;
  for (const t of weights.values()) n += t.numel;
  return n;
}
