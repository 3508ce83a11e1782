/**
 * One linear through the chosen method: mask (and, for SparseGPT, updated weights), optional
 * least-squares reconstruction, and the layer's relative output error before/after.
 */
import type { LinearInputStats } from "@sieve/model";
import { magnitudePrune, type MagnitudeScope } from "../algorithms/magnitude.js";
import { relativeOutputError } from "../algorithms/layer-error.js";
import { reconstructKeptWeights, type ReconstructOptions } from "../algorithms/reconstruct.js";
import { sparseGptPrune, type SparseGptOptions } from "../algorithms/sparsegpt.js";
import { applyMask, type PruneTarget, type PrunedWeight, type WeightMatrix } from "../algorithms/types.js";
import { normsFromSumSquares, wandaPrune } from "../algorithms/wanda.js";
import type { PruneMethod } from "./types.js";

export interface LinearPruneSettings {
  method: PruneMethod;
  target: PruneTarget;
  magnitudeScope: MagnitudeScope;
  /** A mask chosen beforehand (global magnitude pruning). */
  presetMask?: Uint8Array;
  reconstruct?: ReconstructOptions;
  sparsegpt?: SparseGptOptions;
  measureError: boolean;
}

export interface LinearPruneOutcome extends PrunedWeight {
  relativeError?: number;
  relativeErrorReconstructed?: number;
}

export function pruneLinearWeights(path: string, w: WeightMatrix, stats: LinearInputStats | undefined, s: LinearPruneSettings): LinearPruneOutcome {
  const needGram = s.method === "sparsegpt" || s.reconstruct !== undefined || s.measureError;
  const gram = stats?.gram;
  if (needGram && !gram) throw new Error(`${path}: no Gram matrix of the calibration inputs was collected`);
  let pruned: PrunedWeight;
  if (s.presetMask) pruned = { weight: applyMask(w.data, s.presetMask), mask: s.presetMask };
  else if (s.method === "magnitude") pruned = magnitudePrune(w, s.target, s.magnitudeScope);
  else if (s.method === "wanda") {
    if (!stats) throw new Error(`${path}: wanda needs the calibration input norms`);
    pruned = wandaPrune(w, normsFromSumSquares(stats.sumSquares), s.target);
  } else pruned = sparseGptPrune(w, gram!, s.target, s.sparsegpt);

  const out: LinearPruneOutcome = { weight: pruned.weight, mask: pruned.mask };
  if (s.measureError) out.relativeError = relativeOutputError(w, pruned.weight, gram!);
  if (s.reconstruct) {
    out.weight = reconstructKeptWeights(w, pruned.mask, gram!, s.reconstruct);
    if (s.measureError) out.relativeErrorReconstructed = relativeOutputError(w, out.weight, gram!);
  }
  return out;
}
