/**
 * The block output error of a TEAL allocation, measured on calibration data: the block's linears
 * are wrapped in ThresholdedLinear (exactly TEAL's math on any inner layer), the block runs on its
 * dense inputs, and the squared difference from its dense outputs is taken relative to the energy
 * of the block's dense update (output - input). The greedy allocation compares candidates by it.
 */
import type { LinearLayer, Slot } from "@sieve/core";
import type { LlamaModel } from "@sieve/model";
import { concatSamples, type BlockRunner } from "../calibration/block-runner.js";
import type { MagnitudeHistogram } from "../calibration/magnitude-histogram.js";
import type { TealGroup } from "./groups.js";
import { ThresholdedLinear } from "./thresholded-linear.js";

export class BlockErrorProbe {
  private readonly restoreList: Array<[Slot<LinearLayer>, LinearLayer]> = [];
  private readonly wrappers: ThresholdedLinear[][];
  private readonly input: Float32Array;
  private readonly reference: Float32Array;
  private readonly scratch: Float32Array;
  private readonly updateEnergy: number;

  constructor(
    model: LlamaModel,
    private readonly layer: number,
    private readonly groups: readonly TealGroup[],
    private readonly histograms: readonly MagnitudeHistogram[],
    private readonly runner: BlockRunner,
    inputs: readonly Float32Array[],
    outputs: readonly Float32Array[],
  ) {
    this.wrappers = groups.map((g) =>
      g.paths.map((path) => {
        const slot = model.tree.get<LinearLayer>(path);
        const inner = slot.get();
        this.restoreList.push([slot, inner]);
        const wrapper = new ThresholdedLinear(inner, 0);
        slot.set(wrapper);
        return wrapper;
      }),
    );
    this.input = concatSamples(inputs);
    this.reference = concatSamples(outputs);
    this.scratch = new Float32Array(this.input.length);
    let energy = 0;
    for (let i = 0; i < this.input.length; i++) energy += (this.reference[i]! - this.input[i]!) ** 2;
    this.updateEnergy = Math.max(energy, 1e-30);
  }

  /** Relative squared error of the block output with group i at sparsity sparsities[i]. */
  error(sparsities: readonly number[]): number {
    this.groups.forEach((_, i) => {
      const t = this.histograms[i]!.threshold(sparsities[i]!);
      for (const w of this.wrappers[i]!) w.threshold = t;
    });
    const y = this.scratch;
    y.set(this.input);
    this.runner.run(this.layer, y);
    let err = 0;
    for (let i = 0; i < y.length; i++) err += (y[i]! - this.reference[i]!) ** 2;
    return err / this.updateEnergy;
  }

  /** Puts the block's original linears back. */
  restore(): void {
    for (const [slot, layer] of this.restoreList) slot.set(layer);
    this.restoreList.length = 0;
  }
}
