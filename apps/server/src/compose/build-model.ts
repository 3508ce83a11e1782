/**
 * The composition root's one way to turn a loaded checkpoint into a runnable model: pruned
 * layers stored in Sieve's packed formats come back through weight-pruning's factory, and an
 * activation-sparsity recipe (TEAL, CATS, DejaVu) — given as a file or stored in the checkpoint's
 * metadata — is applied on top. The CLI, the engine and the benchmarks all build models here.
 */
import { dirname, resolve } from "node:path";
import { releaseWeightsSoon, type KernelBackend, type Tensor } from "@sieve/core";
import { LlamaModel, type LoadedCheckpoint } from "@sieve/model";
import { sparseLinearFactory } from "@sieve/weight-pruning";
import {
  activationRecipeFromMetadata,
  applyActivationRecipe,
  readActivationRecipe,
  registerDejaVuRecipe,
  type ActivationRecipe,
  type ApplyActivationResult,
} from "@sieve/activation-sparsity";

export interface BuildModelOptions {
  /** Kernel backend getter (default: the process-wide backend). */
  backend?: () => KernelBackend;
  /** An activation-sparsity recipe file (JSON) to apply; overrides one stored in the checkpoint. */
  recipe?: string;
}

export interface BuiltModel {
  model: LlamaModel;
  /** The activation recipe applied, if any, and what it changed. */
  activation?: { recipe: ActivationRecipe; source: string; result: ApplyActivationResult };
}

export async function buildModel(checkpoint: LoadedCheckpoint, options: BuildModelOptions = {}): Promise<BuiltModel> {
  const model = new LlamaModel(checkpoint.config, checkpoint.weights, {
    backend: options.backend,
    linearFactory: sparseLinearFactory,
  });
  let recipe: ActivationRecipe | undefined;
  let source = "";
  if (options.recipe) {
    recipe = await readActivationRecipe(options.recipe);
    source = resolve(options.recipe);
  } else {
    recipe = activationRecipeFromMetadata(checkpoint.metadata) ?? undefined;
    source = `${checkpoint.source} (metadata)`;
  }
  if (!recipe) return { model };
  // DejaVu predictors are files next to the recipe (or the checkpoint).
  const base = options.recipe ? dirname(resolve(options.recipe)) : checkpoint.source;
  registerDejaVuRecipe((p) => resolve(base, p));
  const result = await applyLayerByLayer(model, recipe, checkpoint.weights);
  return { model, activation: { recipe, source, result } };
}

/**
 * Applies a TEAL or CATS recipe one block at a time, letting the event loop turn in between: the
 * dense weights a block gives up are in memory the addon owns, which Node frees only then
 * (releaseWeightsSoon), so converting all blocks in one call would hold both copies of the model
 * at once. Other methods (DejaVu) are applied in one call.
 */
async function applyLayerByLayer(model: LlamaModel, recipe: ActivationRecipe, releaseFrom: Map<string, Tensor>): Promise<ApplyActivationResult> {
  const method = recipe.activation as { method: string; thresholds?: Record<string, number> };
  if ((method.method !== "teal" && method.method !== "cats") || !method.thresholds) {
    return applyActivationRecipe(model, recipe, { releaseFrom });
  }
  const all = Object.entries(method.thresholds);
  const byLayer = new Map<string, Array<[string, number]>>();
  for (const entry of all) {
    // "layers.3.self_attn.q_proj" -> "layers.3"; anything else in a group of its own.
    const layer = /^layers\.\d+/.exec(entry[0])?.[0] ?? entry[0];
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), entry]);
  }
  const result: ApplyActivationResult = { method: method.method, replaced: [], wrapped: [], updated: [] };
  for (const entries of byLayer.values()) {
    const part = { activation: { ...recipe.activation, thresholds: Object.fromEntries(entries) } } as ActivationRecipe;
    const r = applyActivationRecipe(model, part, { releaseFrom });
    result.replaced.push(...r.replaced);
    result.wrapped.push(...r.wrapped);
    result.updated.push(...r.updated);
    await releaseWeightsSoon();
  }
  return result;
}
