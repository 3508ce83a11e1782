/**
 * Model-level unstructured / N:M pruning: walks the linear slots of every block (q, k, v, o,
 * gate, up, down; never the embeddings or the LM head), prunes each with magnitude, Wanda or
 * SparseGPT, optionally refits the kept weights, and swaps in the result (a dense masked layer
 * in the original dtype, or what `compress` builds). Calibrated methods run block by block on
 * the outputs of the already-pruned blocks (runBlockwise), as the reference implementations do.
 */
import type { LinearLayer } from "@sieve/core";
import { calibrationTokenCount, collectBlockInputs, runBlockwise, type LinearInputStats, type LlamaModel } from "@sieve/model";
import { magnitudePruneGlobal } from "../algorithms/magnitude.js";
import { checkNmPattern, formatNmPattern, nmSparsity, parseNmPattern } from "../algorithms/nm.js";
import { uniformAllocation } from "../algorithms/owl.js";
import type { NmPattern, PruneTarget } from "../algorithms/types.js";
import { owlBlockAllocation, type BlockAllocation } from "./allocation.js";
import { denseLinearOf, readDenseLinear } from "./dense-linear.js";
import { pruneLinearWeights, type LinearPruneSettings } from "./prune-linear.js";
import { modelWeightCount, prunableLinears } from "./slots.js";
import type { LayerPruneReport, PruneModelOptions, PruneResult, PrunedLinear } from "./types.js";

const METHODS = ["magnitude", "wanda", "sparsegpt"] as const;

export async function pruneModel(model: LlamaModel, options: PruneModelOptions): Promise<PruneResult> {
  const started = performance.now();
  const o = resolveOptions(options);
  const linears = prunableLinears(model, options.include);
  const total = [...linears.values()].reduce((n, l) => n + l.length, 0);
  const calibration = options.calibration;

  let allocation: BlockAllocation;
  if (o.owl) allocation = await owlBlockAllocation(model, linears, calibration!, o.sparsity!, o.owl, options.onProgress);
  else allocation = { sparsity: uniformAllocation(model.config.nLayers, o.sparsity ?? 0) };

  const presetMasks = o.magnitudeGlobal ? globalMagnitudeMasks(model, linears, o.sparsity!) : undefined;
  const results: PrunedLinear[] = [];
  const layerReports: LayerPruneReport[] = [];

  const pruneBlock = (layer: number, stats: ReadonlyMap<string, LinearInputStats> | undefined): void => {
    for (const path of linears.get(layer) ?? []) {
      const t0 = performance.now();
      const slot = model.tree.get<LinearLayer>(path);
      const { matrix, dtype, bias } = readDenseLinear(slot.get(), path);
      const target: PruneTarget = o.pattern ? { pattern: o.pattern } : { sparsity: allocation.sparsity[layer]! };
      const settings: LinearPruneSettings = {
        method: o.method,
        target,
        magnitudeScope: o.magnitudeScope === "row" ? "row" : "layer",
        presetMask: presetMasks?.get(path),
        reconstruct: o.reconstruct,
        sparsegpt: options.sparsegpt,
        measureError: o.measureError,
      };
      const outcome = pruneLinearWeights(path, matrix, stats?.get(path), settings);
      const pruned: PrunedLinear = { path, weight: outcome.weight, rows: matrix.rows, cols: matrix.cols, mask: outcome.mask, bias, dtype };
      if (o.pattern) pruned.pattern = o.pattern;
      slot.set(options.compress?.(pruned) ?? denseLinearOf(pruned.weight, pruned.rows, pruned.cols, dtype, bias, () => model.backend));
      results.push(pruned);
      layerReports.push({
        path,
        layer,
        rows: matrix.rows,
        cols: matrix.cols,
        targetSparsity: o.pattern ? nmSparsity(matrix.cols, o.pattern) : allocation.sparsity[layer]!,
        sparsity: prunedFraction(outcome.mask),
        relativeError: outcome.relativeError,
        relativeErrorReconstructed: outcome.relativeErrorReconstructed,
        seconds: (performance.now() - t0) / 1000,
      });
      options.onProgress?.({ phase: "prune", layer, path, done: results.length, total });
    }
  };

  if (calibration && o.useCalibration) {
    let current: ReadonlyMap<string, LinearInputStats> | undefined;
    await runBlockwise(model, calibration, {
      // Stop after the last block that has something to prune: later blocks need no inputs.
      layers: Math.max(-1, ...linears.keys()) + 1,
      listen: (layer, taps) => {
        current = undefined;
        if (!linears.has(layer)) return;
        const collector = collectBlockInputs(model, layer, { gram: o.needGram });
        current = collector.stats;
        return collector.listen(taps);
      },
      update: (layer) => pruneBlock(layer, current),
      onProgress: (e) => options.onProgress?.({ phase: "calibrate", layer: e.layer, done: e.done, total: e.total }),
    });
  } else {
    for (const layer of [...linears.keys()].sort((a, b) => a - b)) pruneBlock(layer, undefined);
  }

  const prunedCount = results.reduce((n, r) => n + countPruned(r.mask), 0);
  const prunedTotal = results.reduce((n, r) => n + r.mask.length, 0);
  return {
    linears: results,
    report: {
      method: o.method,
      target: o.pattern ? formatNmPattern(o.pattern) : `${+(o.sparsity! * 100).toFixed(2)}%`,
      allocation: o.owl ? "owl" : "uniform",
      blockSparsity: o.pattern ? allocation.sparsity.map(() => (prunedTotal ? prunedCount / prunedTotal : 0)) : allocation.sparsity,
      outlierRatios: allocation.outlierRatios,
      reconstruct: o.reconstruct !== undefined,
      calibrationTokens: calibration && o.useCalibration ? calibrationTokenCount(calibration) : 0,
      sparsity: prunedTotal ? prunedCount / prunedTotal : 0,
      modelSparsity: prunedCount / modelWeightCount(model),
      seconds: (performance.now() - started) / 1000,
      layers: layerReports,
    },
  };
}

interface ResolvedOptions {
  method: PruneModelOptions["method"];
  sparsity?: number;
  pattern?: NmPattern;
  owl?: { threshold?: number; lambda?: number };
  magnitudeScope: "layer" | "row" | "global";
  magnitudeGlobal: boolean;
  reconstruct?: { ridge?: number };
  measureError: boolean;
  needGram: boolean;
  /** Whether the blockwise calibration pass runs at all. */
  useCalibration: boolean;
}

function resolveOptions(options: PruneModelOptions): ResolvedOptions {
  const method = options.method;
  if (!METHODS.includes(method)) throw new RangeError(`pruneModel: method must be one of ${METHODS.join(", ")}, got ${JSON.stringify(method)}`);
  if ((options.sparsity === undefined) === (options.pattern === undefined)) throw new RangeError("pruneModel: give exactly one of sparsity (e.g. 0.5) or pattern (e.g. \"2:4\")");
  const pattern = options.pattern === undefined ? undefined : typeof options.pattern === "string" ? parseNmPattern(options.pattern) : checkNmPattern(options.pattern);
  const sparsity = options.sparsity;
  if (sparsity !== undefined && !(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`pruneModel: sparsity must be in [0, 1], got ${sparsity}`);
  const a = options.allocation ?? "uniform";
  const owl = a === "uniform" ? undefined : a === "owl" ? {} : a.kind === "owl" ? a : undefined;
  if (a !== "uniform" && !owl) throw new RangeError(`pruneModel: allocation must be "uniform" or "owl", got ${JSON.stringify(a)}`);
  if (owl && pattern) throw new RangeError("pruneModel: OWL allocates unstructured sparsity per block; it does not apply to an N:M pattern");
  const magnitudeScope = options.magnitudeScope ?? "layer";
  if (!["layer", "row", "global"].includes(magnitudeScope)) throw new RangeError(`pruneModel: magnitudeScope must be layer, row or global, got ${JSON.stringify(magnitudeScope)}`);
  const magnitudeGlobal = method === "magnitude" && magnitudeScope === "global";
  if (magnitudeGlobal && (pattern || owl)) throw new RangeError("pruneModel: global magnitude pruning takes an unstructured sparsity with uniform allocation");
  const reconstruct = options.reconstruct === true ? {} : options.reconstruct || undefined;
  const calibrated = method !== "magnitude" || owl !== undefined || reconstruct !== undefined;
  const hasCalibration = options.calibration !== undefined && options.calibration.length > 0;
  if (calibrated && !hasCalibration) {
    const why = method !== "magnitude" ? `${method} scores weights with calibration inputs` : owl ? "OWL needs calibration inputs" : "reconstruction fits on calibration inputs";
    throw new RangeError(`pruneModel: ${why}; pass calibration samples (calibrationFromModel or calibrationFromText)`);
  }
  const measureError = options.measureError ?? hasCalibration;
  if (measureError && !hasCalibration) throw new RangeError("pruneModel: measureError needs calibration samples");
  return {
    method,
    sparsity,
    pattern,
    owl,
    magnitudeScope,
    magnitudeGlobal,
    reconstruct,
    measureError,
    needGram: method === "sparsegpt" || reconstruct !== undefined || measureError,
    useCalibration: calibrated || measureError,
  };
}

function globalMagnitudeMasks(model: LlamaModel, linears: ReadonlyMap<number, string[]>, sparsity: number): Map<string, Uint8Array> {
  const paths = [...linears.keys()].sort((a, b) => a - b).flatMap((l) => linears.get(l)!);
  const matrices = paths.map((p) => readDenseLinear(model.tree.get<LinearLayer>(p).get(), p).matrix);
  const pruned = magnitudePruneGlobal(matrices, sparsity);
  return new Map(paths.map((p, i) => [p, pruned[i]!.mask]));
}

function countPruned(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (!mask[i]) n++;
  return n;
}

function prunedFraction(mask: Uint8Array): number {
  return mask.length ? countPruned(mask) / mask.length : 0;
}
