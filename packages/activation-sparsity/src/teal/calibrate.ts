/**
 * TEAL calibration: histograms of |x| at every distinct linear input of every block (q/k/v, o,
 * gate/up, down) over calibration samples, and optionally each block's greedy allocation path.
 * The blocks run one at a time through @sieve/model's runBlockwise on the dense model, so block k
 * sees the dense model's inputs; greedy paths use those dense inputs and outputs too.
 *
 * Calibration text must never be the evaluation text: use a separate file or samples generated
 * by the dense model (see @sieve/model calibrationFromTextFile / calibrationFromModel).
 */
import { calibrationTokenCount, runBlockwise, type BlockwiseProgress, type CalibrationSamples, type LlamaModel } from "@sieve/model";
import { BlockRunner } from "../calibration/block-runner.js";
import { MagnitudeHistogram } from "../calibration/magnitude-histogram.js";
import type { CalibrationInfo, StoreDType, TealAllocation, TealRecipe } from "../recipe/types.js";
import { BlockErrorProbe } from "./block-error.js";
import { DEFAULT_GREEDY_MAX, allocationAt, greedyPath, type GreedyOptions, type GreedyPoint } from "./greedy-allocation.js";
import { tealGroups, type TealGroup } from "./groups.js";

export interface TealCalibrationOptions {
  /** Also record each block's greedy allocation path (costs about 4 block runs per step). */
  greedy?: boolean | GreedyOptions;
  /**
   * Measure the greedy paths' block errors on the first this many samples only (default: all).
   * The histograms, hence the thresholds, still use every sample. The paths cost ~4 block runs
   * per 0.05 step, each over these samples: on synth TinyLlama-1.1B (f16, 2-core VM) one block
   * run over 32 x 256 tokens took 4.9 s, over 4 x 256 tokens 0.57 s, so a path to 50% over 22
   * blocks takes hours with all 32 samples and about half an hour with 4.
   */
  greedySamples?: number;
  /** Where the samples came from, recorded in recipes. */
  source?: string;
  /**
   * Blockwise progress, and while a block's greedy path runs, its average sparsity so far
   * ("greedy": done = average reached, total = the path's max; done === total when it ends).
   */
  onProgress?: (event: BlockwiseProgress | { layer: number; phase: "greedy"; done: number; total: number }) => void;
}

/** One group's statistics. */
export interface TealGroupStats extends TealGroup {
  histogram: MagnitudeHistogram;
}

export interface TealRecipeOptions {
  storeAs?: StoreDType;
  denseAbove?: number;
}

/** What calibration measured; recipes for any target sparsity are read off it without re-running. */
export class TealCalibration {
  constructor(
    /** Per block, its groups in model order. */
    readonly blocks: readonly (readonly TealGroupStats[])[],
    /** Per block, the greedy path (when calibrated with greedy). */
    readonly greedy: readonly (readonly GreedyPoint[])[] | undefined,
    readonly info: CalibrationInfo,
  ) {}

  /** Per block, per group sparsity for a target average sparsity. */
  allocate(sparsity: number, allocation: TealAllocation): number[][] {
    if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`TEAL: sparsity must be in [0, 1), got ${sparsity}`);
    if (allocation === "uniform") return this.blocks.map((groups) => groups.map(() => sparsity));
    if (!this.greedy) throw new Error("TEAL: greedy allocation needs a calibration run with { greedy: true }");
    return this.blocks.map((groups, layer) => allocationAt(groups, this.greedy![layer]!, sparsity));
  }

  /** The recipe for a target sparsity: thresholds (and calibrated sparsities) by linear slot path. */
  recipe(sparsity: number, allocation: TealAllocation, options: TealRecipeOptions = {}): TealRecipe {
    const perBlock = this.allocate(sparsity, allocation);
    const thresholds: Record<string, number> = {};
    const sparsities: Record<string, number> = {};
    this.blocks.forEach((groups, layer) =>
      groups.forEach((g, i) => {
        const s = perBlock[layer]![i]!;
        const t = g.histogram.threshold(s);
        for (const p of g.paths) {
          thresholds[p] = t;
          sparsities[p] = round(s);
        }
      }),
    );
    return { method: "teal", sparsity, allocation, thresholds, sparsities, ...options, calibration: this.info };
  }
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Collects TEAL's statistics (and greedy paths when asked) on the dense model. */
export async function collectTealCalibration(model: LlamaModel, samples: CalibrationSamples, options: TealCalibrationOptions = {}): Promise<TealCalibration> {
  const greedyOptions = options.greedy === true ? {} : options.greedy || undefined;
  const probeCount = greedyProbeSamples(options.greedySamples, samples.length);
  const blocks: TealGroupStats[][] = [];
  const paths: GreedyPoint[][] = [];
  const runner = greedyOptions ? new BlockRunner(model, samples.slice(0, probeCount)) : undefined;
  await runBlockwise(model, samples, {
    onProgress: options.onProgress,
    listen(layer, taps) {
      const groups = tealGroups(model, layer).map((g) => ({ ...g, histogram: new MagnitudeHistogram() }));
      blocks[layer] = groups;
      const off = groups.map((g) => taps.on(g.paths[0]!, (_p, x, rows, cols) => g.histogram.add(x, rows * cols)));
      return () => off.forEach((f) => f());
    },
    observe: runner
      ? (layer, inputs, outputs) => {
          const groups = blocks[layer]!;
          const probe = new BlockErrorProbe(model, layer, groups, groups.map((g) => g.histogram), runner, inputs.slice(0, probeCount), outputs.slice(0, probeCount));
          try {
            const max = greedyOptions?.max ?? DEFAULT_GREEDY_MAX;
            const onPoint = (p: GreedyPoint): void => options.onProgress?.({ layer, phase: "greedy", done: Math.min(p.average, max), total: max });
            paths[layer] = greedyPath(groups, (s) => probe.error(s), { ...greedyOptions, onPoint });
            options.onProgress?.({ layer, phase: "greedy", done: max, total: max });
          } finally {
            probe.restore();
          }
        }
      : undefined,
  });
  const info: CalibrationInfo = {
    samples: samples.length,
    tokens: calibrationTokenCount(samples),
    ...(options.source ? { source: options.source } : {}),
    ...(runner && probeCount < samples.length ? { greedySamples: probeCount } : {}),
  };
  return new TealCalibration(blocks, runner ? paths : undefined, info);
}

/** Samples the greedy probe runs on: all, or the first `requested` (a positive integer). */
function greedyProbeSamples(requested: number | undefined, available: number): number {
  if (requested === undefined) return available;
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`TEAL: greedySamples must be a positive integer, got ${requested}`);
  return Math.min(requested, available);
}

export interface CalibrateTealOptions extends TealRecipeOptions {
  /** Target average sparsity in [0, 1). */
  sparsity: number;
  /** Default "uniform". */
  allocation?: TealAllocation;
  /** Greedy path settings (allocation "greedy" only); max defaults to at least the target. */
  greedy?: GreedyOptions;
  /** Allocation "greedy" only: see TealCalibrationOptions.greedySamples. */
  greedySamples?: number;
  source?: string;
  onProgress?: TealCalibrationOptions["onProgress"];
}

/**
 * Calibrates TEAL thresholds for one target sparsity and returns the recipe (what
 * `sieve calibrate teal` writes). For several targets, call collectTealCalibration once and read
 * each recipe off it.
 */
export async function calibrateTeal(model: LlamaModel, samples: CalibrationSamples, options: CalibrateTealOptions): Promise<TealRecipe> {
  const allocation = options.allocation ?? "uniform";
  const greedy = allocation === "greedy" ? { ...options.greedy, max: Math.max(options.greedy?.max ?? 0, options.sparsity) } : undefined;
  const calibration = await collectTealCalibration(model, samples, { greedy, greedySamples: greedy ? options.greedySamples : undefined, source: options.source, onProgress: options.onProgress });
  return calibration.recipe(options.sparsity, allocation, { storeAs: options.storeAs, denseAbove: options.denseAbove });
}
