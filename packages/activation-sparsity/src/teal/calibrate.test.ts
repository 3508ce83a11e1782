import { describe, expect, it } from "vitest";
import { Rng } from "@sieve/core";
import { LlamaModel, synthCheckpoint } from "@sieve/model";
import { calibrateTeal, collectTealCalibration } from "./calibrate.js";

const checkpoint = synthCheckpoint("test-tiny");
const model = new LlamaModel(checkpoint.config, checkpoint.weights);
const rng = new Rng(7);
const samples = Array.from({ length: 3 }, () => Int32Array.from({ length: 24 }, () => 3 + rng.int(checkpoint.config.vocabSize - 3)));
const greedy = { max: 0.4, step: 0.1 };

describe("TEAL calibration: greedy paths on a subset of the samples", () => {
  it("measures block errors on the first greedySamples samples, thresholds on all of them", async () => {
    const all = await collectTealCalibration(model, samples, { greedy });
    const first = await collectTealCalibration(model, samples, { greedy, greedySamples: 1 });
    // Same histograms (every sample), so the same uniform recipe ...
    expect(first.recipe(0.3, "uniform").thresholds).toEqual(all.recipe(0.3, "uniform").thresholds);
    // ... but the paths' errors come from one sample instead of three.
    expect(first.greedy!.map((p) => p.map((q) => q.error))).not.toEqual(all.greedy!.map((p) => p.map((q) => q.error)));
    expect(first.info).toMatchObject({ samples: 3, greedySamples: 1 });
    expect(all.info.greedySamples).toBeUndefined();
    // The subset's paths give a greedy recipe with a threshold for every linear.
    const recipe = first.recipe(0.3, "greedy");
    expect(Object.keys(recipe.thresholds).length).toBe(model.tree.list("linear").length);
  });

  it("takes all samples when asked for as many or more, and rejects non-positive or fractional counts", async () => {
    const all = await collectTealCalibration(model, samples, { greedy });
    const many = await collectTealCalibration(model, samples, { greedy, greedySamples: 10 });
    expect(many.greedy).toEqual(all.greedy);
    expect(many.info.greedySamples).toBeUndefined();
    await expect(collectTealCalibration(model, samples, { greedy, greedySamples: 0 })).rejects.toThrow(/positive integer/);
    await expect(collectTealCalibration(model, samples, { greedy, greedySamples: 1.5 })).rejects.toThrow(/positive integer/);
    // Uniform allocation runs no paths, so the option does not apply there.
    const uniform = await calibrateTeal(model, samples, { sparsity: 0.3, allocation: "uniform", greedySamples: 1 });
    expect(uniform.calibration?.greedySamples).toBeUndefined();
  });
});
