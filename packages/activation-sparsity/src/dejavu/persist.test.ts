import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor } from "@sieve/core";
import { afterAll, describe, expect, it } from "vitest";
import { applyActivationRecipe } from "../recipe/apply.js";
import { applyDejaVu, dejavuHandleOf } from "./apply.js";
import { DejaVuMlp } from "./dejavu-mlp.js";
import { dejavuRecipe, parseDejaVuRecipe, registerDejaVuRecipe } from "./recipe.js";
import { dejavuPathFor, dejavuTensors, loadDejaVuPredictors, predictorsFromTensors, saveDejaVuPredictors } from "./persist.js";
import { prefillLogits, randomPredictors, tinyModel } from "./tiny-model.fixture.js";

describe("DejaVu predictor files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sieve-dejavu-"));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("round-trips weights, budgets and training facts through safetensors, and the loaded set runs", async () => {
    const { model, config } = tinyModel(2);
    const predictors = randomPredictors(config, 8, { mlp: 0.5, heads: 0.75 });
    const path = join(dir, "model.dejavu.safetensors");
    await saveDejaVuPredictors(path, predictors);
    const loaded = await loadDejaVuPredictors(path);
    expect(loaded.shape).toEqual(predictors.shape);
    expect(loaded.budgets).toEqual({ mlp: 0.5, heads: 0.75 });
    expect(loaded.info).toEqual(predictors.info);
    loaded.blocks.forEach((b, i) => {
      expect(Array.from(b.mlp.w2)).toEqual(Array.from(predictors.blocks[i]!.mlp.w2));
      expect(Array.from(b.attention.b1)).toEqual(Array.from(predictors.blocks[i]!.attention.b1));
    });
    const tokens = [1, 4, 9, 16, 25];
    const a = applyDejaVu(model, predictors, { batchPolicy: "per-token" });
    const fromMemory = prefillLogits(model, tokens);
    a.restore();
    applyDejaVu(model, loaded, { batchPolicy: "per-token" });
    expect(Array.from(prefillLogits(model, tokens))).toEqual(Array.from(fromMemory));
  });

  it("names the tensor and the file when a file is not a predictor set for this model", () => {
    const { config } = tinyModel(2);
    const { tensors, metadata } = dejavuTensors(randomPredictors(config, 8));
    expect(() => predictorsFromTensors(tensors, { ...metadata, format: "other" }, "x.safetensors")).toThrow(/x\.safetensors: metadata "format"/);
    const missing = new Map(tensors);
    missing.delete("dejavu.layers.1.attn.w2");
    expect(() => predictorsFromTensors(missing, metadata, "x.safetensors")).toThrow(/tensor dejavu\.layers\.1\.attn\.w2 is missing/);
    const wrong = new Map(tensors);
    wrong.set("dejavu.layers.0.mlp.b2", Tensor.zeros([3], "f32"));
    expect(() => predictorsFromTensors(wrong, metadata, "x.safetensors")).toThrow(/dejavu\.layers\.0\.mlp\.b2 has shape \[3\]/);
  });

  it("applies through an activation recipe that names the file", async () => {
    const { model, config } = tinyModel(3);
    await saveDejaVuPredictors(join(dir, "recipe.dejavu.safetensors"), randomPredictors(config, 9, { mlp: 0.5, heads: 0.75 }));
    registerDejaVuRecipe((p) => join(dir, p));
    const result = applyActivationRecipe(model, dejavuRecipe({ predictors: "recipe.dejavu.safetensors", headBudget: 1 }));
    expect(result.replaced).toContain("layers.2.mlp");
    expect(model.layers[2]!.mlp).toBeInstanceOf(DejaVuMlp);
    const handle = dejavuHandleOf(model)!;
    expect([handle.runtime.mlpBudget, handle.runtime.headBudget]).toEqual([0.5, 1]);
    handle.restore();
    expect(dejavuHandleOf(model)).toBeUndefined();
    expect(() => parseDejaVuRecipe({ method: "dejavu", predictors: "p", mlpBudget: 2 }, "r.json")).toThrow(/r\.json: activation\.mlpBudget must be a fraction/);
  });

  it("lives beside the checkpoint", async () => {
    const ckpt = join(dir, "ckpt");
    await mkdir(ckpt);
    expect(dejavuPathFor(ckpt)).toBe(join(ckpt, "dejavu.safetensors"));
    await writeFile(join(dir, "stories.bin"), "");
    expect(dejavuPathFor(join(dir, "stories.bin"))).toBe(join(dir, "stories.dejavu.safetensors"));
  });
});
