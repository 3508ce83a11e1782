/**
 * The composition root's one way to turn a loaded checkpoint into a runnable model: pruned
 * layers stored in Sieve's packed formats come back through weight-pruning's factory, and an
 * activation-sparsity recipe (TEAL, CATS, DejaVu) — given as a file or stored in the checkpoint's
 * metadata — is applied on top. The CLI, the engine and the benchmarks all build models here.
 */
import { dirname, resolve } from "node:path";
import type { KernelBackend } from "@sieve/core";
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
  const result = applyActivationRecipe(model, recipe, { releaseFrom: checkpoint.weights });
  return { model, activation: { recipe, source, result } };
}
