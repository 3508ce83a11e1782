/**
 * CATS calibration: per block, a histogram of |silu(gate(x))| over calibration samples (the
 * gate projection is run on the input tapped at gate_proj), whose quantile at the target
 * sparsity is the block's threshold. Blocks run one at a time on the dense model (runBlockwise).
 * Never calibrate on the evaluation text.
 */
import type { LinearLayer } from "@sieve/core";
import { calibrationTokenCount, runBlockwise, type BlockwiseProgress, type CalibrationSamples, type LlamaModel } from "@sieve/model";
import { MagnitudeHistogram } from "../calibration/magnitude-histogram.js";
import type { CalibrationInfo, CatsRecipe, StoreDType } from "../recipe/types.js";

export interface CatsCalibrationOptions {
  source?: string;
  onProgress?: (event: BlockwiseProgress) => void;
}

export class CatsCalibration {
  constructor(
    /** MLP slot path ("layers.3.mlp") -> histogram of |silu(gate(x))|. */
    readonly histograms: ReadonlyMap<string, MagnitudeHistogram>,
    readonly info: CalibrationInfo,
  ) {}

  recipe(sparsity: number, options: { storeAs?: StoreDType; denseAbove?: number } = {}): CatsRecipe {
    if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`CATS: sparsity must be in [0, 1), got ${sparsity}`);
    const thresholds: Record<string, number> = {};
    const sparsities: Record<string, number> = {};
    for (const [path, h] of this.histograms) {
      thresholds[path] = h.threshold(sparsity);
      sparsities[path] = sparsity;
    }
    return { method: "cats", sparsity, thresholds, sparsities, ...options, calibration: this.info };
  }
}

export async function collectCatsCalibration(model: LlamaModel, samples: CalibrationSamples, options: CatsCalibrationOptions = {}): Promise<CatsCalibration> {
  const histograms = new Map<string, MagnitudeHistogram>();
  let act = new Float32Array(0);
  await runBlockwise(model, samples, {
    onProgress: options.onProgress,
    listen(layer, taps) {
      const path = `layers.${layer}.mlp`;
      const gatePath = `${path}.gate_proj`;
      if (!model.tree.has(gatePath)) throw new Error(`CATS: ${path} has no gate_proj (CATS needs a gated MLP)`);
      const histogram = new MagnitudeHistogram();
      histograms.set(path, histogram);
      return taps.on(gatePath, (_p, x, rows) => {
        const gate = model.tree.get<LinearLayer>(gatePath).get();
        const n = rows * gate.outFeatures;
        if (act.length < n) act = new Float32Array(n);
        const a = act.subarray(0, n);
        gate.forward(a, x, rows);
        model.backend.silu(a, a);
        histogram.add(a);
      });
    },
  });
  const info: CalibrationInfo = { samples: samples.length, tokens: calibrationTokenCount(samples), ...(options.source ? { source: options.source } : {}) };
  return new CatsCalibration(histograms, info);
}

export interface CalibrateCatsOptions {
  /** Target fraction of MLP neurons dropped, in [0, 1). */
  sparsity: number;
  storeAs?: StoreDType;
  denseAbove?: number;
  source?: string;
  onProgress?: CatsCalibrationOptions["onProgress"];
}

/** Calibrates CATS thresholds for one target sparsity and returns the recipe (`sieve calibrate cats`). */
export async function calibrateCats(model: LlamaModel, samples: CalibrationSamples, options: CalibrateCatsOptions): Promise<CatsRecipe> {
  const calibration = await collectCatsCalibration(model, samples, { source: options.source, onProgress: options.onProgress });
  return calibration.recipe(options.sparsity, { storeAs: options.storeAs, denseAbove: options.denseAbove });
}
