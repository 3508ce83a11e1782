/**
 * Recipes: validation with named fields, the JSON file and checkpoint-metadata round trips, and
 * applyActivationRecipe on a small synthetic model (TEAL replaces dense linears, wraps others,
 * updates thresholds on a second apply; CATS swaps MLPs and keeps byte counts true).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LinearDescription, LinearLayer } from "@sieve/core";
import { LlamaModel, loadHfDirectory, synthCheckpoint } from "@sieve/model";
import { CatsMlp } from "../cats/cats-mlp.js";
import { TealLinear } from "../teal/teal-linear.js";
import { ThresholdedLinear } from "../teal/thresholded-linear.js";
import { applyActivationRecipe } from "./apply.js";
import { activationMetadata, activationRecipeFromMetadata, readActivationRecipe, writeActivationCheckpoint, writeActivationRecipe } from "./files.js";
import { ActivationRecipeError, parseActivationRecipe } from "./parse.js";
import type { ActivationRecipe } from "./types.js";

function tealRecipe(model: LlamaModel, threshold: number): ActivationRecipe {
  const thresholds: Record<string, number> = {};
  for (const slot of model.tree.list("linear")) thresholds[slot.path] = threshold;
  return { activation: { method: "teal", sparsity: 0.5, allocation: "uniform", thresholds } };
}

function logitsOf(model: LlamaModel, tokens: number[]): Float32Array {
  const kv = model.createKvCache(8, 16);
  const n = tokens.length;
  const logits = model.forward(
    {
      tokens: Int32Array.from(tokens),
      positions: Int32Array.from(tokens, (_, i) => i),
      tokenSeq: new Int32Array(n),
      blockTable: Int32Array.from({ length: 8 }, (_, i) => i),
      maxPagesPerSeq: 8,
      logitRows: Int32Array.from(tokens, (_, i) => i),
    },
    kv,
  );
  return logits.slice();
}

/** Largest absolute difference (summation order differs between layouts, so not bit-identical). */
function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** A non-dense linear (as a pruned checkpoint would hold): it only delegates. */
class OpaqueLinear implements LinearLayer {
  constructor(readonly inner: LinearLayer) {}
  get inFeatures(): number {
    return this.inner.inFeatures;
  }
  get outFeatures(): number {
    return this.inner.outFeatures;
  }
  forward(out: Float32Array, x: Float32Array, rows: number): void {
    this.inner.forward(out, x, rows);
  }
  describe(): LinearDescription {
    return { ...this.inner.describe(), kind: "opaque" };
  }
}

describe("activation recipes", () => {
  it("validates recipes and names the offending field", () => {
    const ok = parseActivationRecipe({ activation: { method: "teal", sparsity: 0.4, thresholds: { a: 0.1 } } }, "r.json");
    expect(ok.activation).toMatchObject({ method: "teal", allocation: "uniform" });
    const bad: Array<[unknown, RegExp]> = [
      [{}, /r\.json: activation must be an object/],
      [{ activation: { method: "teal", sparsity: 1.2, thresholds: { a: 1 } } }, /activation\.sparsity must be a number in \[0, 1\)/],
      [{ activation: { method: "teal", sparsity: 0.5, allocation: "best", thresholds: { a: 1 } } }, /activation\.allocation/],
      [{ activation: { method: "teal", sparsity: 0.5, thresholds: { a: -1 } } }, /activation\.thresholds\["a"\] must be a finite number >= 0/],
      [{ activation: { method: "cats", sparsity: 0.5, thresholds: {} } }, /activation\.thresholds must be a non-empty object/],
      [{ activation: { method: "teal", sparsity: 0.5, thresholds: { a: 1 }, storeAs: "f8" } }, /activation\.storeAs/],
    ];
    for (const [json, message] of bad) expect(() => parseActivationRecipe(json, "r.json")).toThrow(message);
    expect(() => parseActivationRecipe({ activation: { sparsity: 0.5 } }, "r.json")).toThrow(ActivationRecipeError);
    // Other methods (DejaVu) pass through for their own appliers.
    expect(parseActivationRecipe({ activation: { method: "dejavu", budget: 0.2 } }, "r.json").activation).toEqual({ method: "dejavu", budget: 0.2 });
  });

  it("round-trips through a recipe file and checkpoint metadata", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sieve-recipe-"));
    try {
      const model = new LlamaModel(synthCheckpoint("test-tiny").config, synthCheckpoint("test-tiny").weights);
      const recipe = tealRecipe(model, 0.01);
      await writeActivationRecipe(join(dir, "r.json"), recipe);
      expect(await readActivationRecipe(join(dir, "r.json"))).toEqual(recipe);
      expect(activationRecipeFromMetadata(activationMetadata(recipe))).toEqual(recipe);
      expect(activationRecipeFromMetadata({ format: "pt" })).toBeUndefined();
      expect(() => activationRecipeFromMetadata({ "sieve.activation": "{" }, "m.safetensors")).toThrow(/m\.safetensors __metadata__\["sieve.activation"\]/);

      const checkpoint = synthCheckpoint("test-tiny");
      await writeActivationCheckpoint(join(dir, "ckpt"), checkpoint, recipe);
      const loaded = await loadHfDirectory(join(dir, "ckpt"));
      expect(activationRecipeFromMetadata(loaded.metadata)).toEqual(recipe);
      expect(await readActivationRecipe(join(dir, "ckpt", "activation-recipe.json"))).toEqual(recipe);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("applies TEAL: threshold 0 changes nothing, dense layers become TealLinear, others are wrapped", () => {
    const checkpoint = synthCheckpoint("test-tiny");
    const dense = new LlamaModel(checkpoint.config, checkpoint.weights);
    const model = new LlamaModel(checkpoint.config, checkpoint.weights);
    const opaquePath = "layers.1.mlp.down_proj";
    const slot = model.tree.get<LinearLayer>(opaquePath);
    slot.set(new OpaqueLinear(slot.get()));
    const bytesBefore = model.weightBytes;
    const result = applyActivationRecipe(model, tealRecipe(model, 0));
    expect(result.wrapped).toEqual([opaquePath]);
    expect(result.replaced.length).toBe(model.tree.list("linear").length - 1);
    expect(model.tree.get<LinearLayer>("layers.0.self_attn.q_proj").get()).toBeInstanceOf(TealLinear);
    expect(slot.get()).toBeInstanceOf(ThresholdedLinear);
    expect(model.weightBytes).toBe(bytesBefore);
    const tokens = [1, 5, 9, 200, 3, 77];
    expect(maxDiff(logitsOf(model, tokens), logitsOf(dense, tokens))).toBeLessThan(1e-4);

    const again = applyActivationRecipe(model, tealRecipe(model, 0.02));
    expect(again.updated.length).toBe(model.tree.list("linear").length);
    expect((slot.get() as ThresholdedLinear).threshold).toBe(0.02);
    expect(() => applyActivationRecipe(model, { activation: { method: "teal", sparsity: 0.5, allocation: "uniform", thresholds: { "layers.9.mlp.up_proj": 1 } } })).toThrow(/no slot "layers.9.mlp.up_proj"/);
    expect(() => applyActivationRecipe(model, { activation: { method: "magic" } })).toThrow(/unknown method "magic"/);
  });

  it("applies CATS: MLP slots become CatsMlp, linear slots show what it holds, bytes stay true", () => {
    const checkpoint = synthCheckpoint("test-tiny");
    const model = new LlamaModel(checkpoint.config, checkpoint.weights);
    const bytesBefore = model.weightBytes;
    const thresholds = Object.fromEntries(model.tree.list("mlp").map((s) => [s.path, 0] as const));
    const result = applyActivationRecipe(model, { activation: { method: "cats", sparsity: 0.5, thresholds } });
    expect(result.replaced).toEqual(["layers.0.mlp", "layers.1.mlp"]);
    expect(model.layers[0]!.mlp).toBeInstanceOf(CatsMlp);
    expect(model.tree.get<LinearLayer>("layers.0.mlp.down_proj").get().describe().kind).toBe("cats-down");
    expect(model.weightBytes).toBe(bytesBefore);
    const dense = new LlamaModel(checkpoint.config, checkpoint.weights);
    const tokens = [1, 2, 3, 4, 5];
    expect(maxDiff(logitsOf(model, tokens), logitsOf(dense, tokens))).toBeLessThan(1e-4);
  });
});
