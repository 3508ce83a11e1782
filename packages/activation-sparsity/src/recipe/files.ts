/**
 * Where recipes live: a JSON file (`--recipe FILE`), and the safetensors __metadata__ of a
 * checkpoint under "sieve.activation" (the recipe's "activation" object as a JSON string), so a
 * calibrated checkpoint carries its thresholds. See docs/formats/activation-sparsity.md.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeHfDirectory, type HfExportOptions, type HfExportResult, type LoadedCheckpoint } from "@sieve/model";
import { ActivationRecipeError, parseActivationRecipe } from "./parse.js";
import { ACTIVATION_METADATA_KEY, type ActivationRecipe } from "./types.js";

/** The file name `writeActivationCheckpoint` gives the recipe beside the weights. */
export const RECIPE_FILE_NAME = "activation-recipe.json";

export async function readActivationRecipe(path: string): Promise<ActivationRecipe> {
  const text = await readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ActivationRecipeError(path, "(file)", `is not valid JSON: ${(e as Error).message}`);
  }
  return parseActivationRecipe(json, path);
}

export async function writeActivationRecipe(path: string, recipe: ActivationRecipe): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(recipe, null, 2)}\n`);
}

/** The metadata entries that carry a recipe in a checkpoint. */
export function activationMetadata(recipe: ActivationRecipe): Record<string, string> {
  return { [ACTIVATION_METADATA_KEY]: JSON.stringify(recipe.activation) };
}

/** The recipe a checkpoint's metadata carries, or undefined when it carries none. */
export function activationRecipeFromMetadata(metadata: Record<string, string>, source = "checkpoint"): ActivationRecipe | undefined {
  const text = metadata[ACTIVATION_METADATA_KEY];
  if (text === undefined) return undefined;
  const where = `${source} __metadata__["${ACTIVATION_METADATA_KEY}"]`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ActivationRecipeError(where, "(value)", `is not valid JSON: ${(e as Error).message}`);
  }
  return parseActivationRecipe({ activation: json }, where);
}

/**
 * Writes `checkpoint` as a Hugging Face directory whose safetensors metadata carry the recipe, and
 * the recipe as activation-recipe.json beside it. The weights stay in their usual [out, in]
 * layout: the input-major copies are built when the recipe is applied at load.
 */
export async function writeActivationCheckpoint(dir: string, checkpoint: LoadedCheckpoint, recipe: ActivationRecipe, options: HfExportOptions = {}): Promise<HfExportResult> {
  const withRecipe: LoadedCheckpoint = { ...checkpoint, metadata: { ...checkpoint.metadata, ...activationMetadata(recipe) } };
  const result = await writeHfDirectory(dir, withRecipe, options);
  await writeActivationRecipe(join(dir, RECIPE_FILE_NAME), recipe);
  return result;
}
