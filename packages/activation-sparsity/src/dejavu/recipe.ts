/**
 * DejaVu as an activation recipe, so that applyActivationRecipe (the CLI's --recipe, a
 * checkpoint's "sieve.activation" metadata; see src/recipe) applies it like TEAL and CATS:
 *
 *   { "activation": { "method": "dejavu", "predictors": "dejavu.safetensors",
 *                     "mlpBudget": 0.5, "headBudget": 0.75 } }
 *
 * The predictors stay in their own file (docs/formats/dejavu.md); the recipe names it. Budgets
 * left out come from the file's metadata.
 */
import { resolve } from "node:path";
import type { LlamaModel } from "@sieve/model";
import { registerActivationMethod, type ApplyActivationResult } from "../recipe/apply.js";
import { ActivationRecipeError } from "../recipe/parse.js";
import type { ActivationMethodRecipe, ActivationRecipe } from "../recipe/types.js";
import { applyDejaVu, type DejaVuHandle } from "./apply.js";
import { loadDejaVuPredictorsSync } from "./persist.js";
import type { DejaVuBatchPolicy } from "./runtime.js";

export interface DejaVuRecipe {
  method: "dejavu";
  /** The predictor file; a relative path is resolved by the registered resolver (default: the working directory). */
  predictors: string;
  mlpBudget?: number;
  headBudget?: number;
  batchPolicy?: DejaVuBatchPolicy;
  denseAboveRows?: number;
}

export function dejavuRecipe(fields: Omit<DejaVuRecipe, "method">): ActivationRecipe {
  return { activation: { method: "dejavu", ...fields } };
}

/** Validates a parsed recipe's DejaVu fields; `source` names the recipe in errors. */
export function parseDejaVuRecipe(a: ActivationMethodRecipe, source: string): DejaVuRecipe {
  const r = a as Record<string, unknown>;
  if (typeof r.predictors !== "string" || r.predictors.length === 0) throw new ActivationRecipeError(source, "activation.predictors", "must name the DejaVu predictor file");
  const budget = (key: string): number | undefined => {
    const v = r[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !(v > 0 && v <= 1)) throw new ActivationRecipeError(source, `activation.${key}`, `must be a fraction in (0, 1], got ${JSON.stringify(v)}`);
    return v;
  };
  const policy = r.batchPolicy;
  if (policy !== undefined && policy !== "union" && policy !== "per-token") throw new ActivationRecipeError(source, "activation.batchPolicy", `must be "union" or "per-token", got ${JSON.stringify(policy)}`);
  const dense = r.denseAboveRows;
  if (dense !== undefined && !(typeof dense === "number" && Number.isInteger(dense) && dense >= 0)) {
    throw new ActivationRecipeError(source, "activation.denseAboveRows", `must be a non-negative integer, got ${JSON.stringify(dense)}`);
  }
  return { method: "dejavu", predictors: r.predictors, mlpBudget: budget("mlpBudget"), headBudget: budget("headBudget"), batchPolicy: policy, denseAboveRows: dense as number | undefined };
}

/** Loads the recipe's predictors and applies them. */
export function applyDejaVuRecipe(model: LlamaModel, recipe: ActivationMethodRecipe, resolvePredictors: (path: string) => string = (p) => resolve(p)): DejaVuHandle {
  const r = parseDejaVuRecipe(recipe, "activation recipe");
  const predictors = loadDejaVuPredictorsSync(resolvePredictors(r.predictors));
  return applyDejaVu(model, predictors, { mlpBudget: r.mlpBudget, headBudget: r.headBudget, batchPolicy: r.batchPolicy, denseAboveRows: r.denseAboveRows });
}

/**
 * Registers "dejavu" with applyActivationRecipe. The composition root calls it once, with a
 * resolver for relative predictor paths (e.g. against the checkpoint's directory).
 */
export function registerDejaVuRecipe(resolvePredictors?: (path: string) => string): void {
  registerActivationMethod("dejavu", (model, recipe): ApplyActivationResult => {
    applyDejaVuRecipe(model, recipe, resolvePredictors);
    const replaced = model.layers.flatMap((_, i) => [`layers.${i}.self_attn`, `layers.${i}.mlp`]);
    return { method: "dejavu", replaced, wrapped: [], updated: [] };
  });
}
