/**
 * Per-block sparsity for model-level pruning: uniform, or OWL from one dense calibration pass
 * (Wanda scores of every pruned linear of a block give the block's outlier ratio).
 */
import type { LinearLayer } from "@sieve/core";
import { collectBlockInputs, runBlockwise, type CalibrationSamples, type LinearInputStats, type LlamaModel } from "@sieve/model";
import { outlierRatio, owlAllocation, type OwlOptions } from "../algorithms/owl.js";
import { normsFromSumSquares, wandaScores } from "../algorithms/wanda.js";
import { readDenseLinear } from "./dense-linear.js";
import type { PruneProgress } from "./types.js";

export interface BlockAllocation {
  /** Sparsity per block index (blocks without pruned linears get the target). */
  sparsity: number[];
  outlierRatios?: number[];
}

export async function owlBlockAllocation(
  model: LlamaModel,
  linears: ReadonlyMap<number, string[]>,
  calibration: CalibrationSamples,
  sparsity: number,
  owl: OwlOptions,
  onProgress?: (e: PruneProgress) => void,
): Promise<BlockAllocation> {
  const stats = new Map<number, ReadonlyMap<string, LinearInputStats>>();
  await runBlockwise(model, calibration, {
    listen: (layer, taps) => {
      if (!linears.has(layer)) return;
      const collector = collectBlockInputs(model, layer);
      stats.set(layer, collector.stats);
      return collector.listen(taps);
    },
    onProgress: (e) => onProgress?.({ phase: "allocate", layer: e.layer, done: e.done, total: e.total }),
  });
  const layers = [...linears.keys()].sort((a, b) => a - b);
  const ratios = layers.map((layer) => {
    const scores = linears.get(layer)!.map((path) => {
      const { matrix } = readDenseLinear(model.tree.get<LinearLayer>(path).get(), path);
      return wandaScores(matrix, normsFromSumSquares(stats.get(layer)!.get(path)!.sumSquares));
    });
    return outlierRatio(scores, owl.threshold ?? 5);
  });
  const allocated = owlAllocation(ratios, sparsity, owl.lambda ?? 0.08);
  const out = new Array<number>(model.config.nLayers).fill(sparsity);
  const outlierRatios = new Array<number>(model.config.nLayers).fill(0);
  layers.forEach((layer, i) => {
    out[layer] = allocated[i]!;
    outlierRatios[layer] = ratios[i]!;
  });
  return { sparsity: out, outlierRatios };
}
