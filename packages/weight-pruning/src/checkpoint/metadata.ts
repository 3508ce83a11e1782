/**
 * The safetensors __metadata__ entries of a pruned checkpoint (docs/formats/sparse-weights.md):
 *   "sieve.format"  version of the packed layouts ("1")
 *   "sieve.packed"  JSON map: weight name (e.g. "model.layers.0.mlp.up_proj.weight") -> format
 *                   ("nm-2:4", "nm-4:8", "bitmap", "csr", "bcsr", "csr8"); those weights are stored as the
 *                   tensors of checkpoint/tensors.ts instead of <name>.weight
 *   "sieve.recipe"  JSON of the pruning recipe that produced the checkpoint
 * Loaders (packages/model hf-dir.ts) read "sieve.packed" to accept the missing <name>.weight.
 */

export const SIEVE_FORMAT_VERSION = "1";
export const SIEVE_FORMAT_KEY = "sieve.format";
export const SIEVE_PACKED_KEY = "sieve.packed";
export const SIEVE_RECIPE_KEY = "sieve.recipe";

export const PACKED_FORMATS = ["nm-2:4", "nm-4:8", "bitmap", "csr", "bcsr", "csr8"] as const;
export type PackedFormatName = (typeof PACKED_FORMATS)[number];

export function packedMetadata(packed: Readonly<Record<string, string>>, recipe: unknown): Record<string, string> {
  const meta: Record<string, string> = { [SIEVE_FORMAT_KEY]: SIEVE_FORMAT_VERSION, [SIEVE_PACKED_KEY]: JSON.stringify(packed) };
  if (recipe !== undefined) meta[SIEVE_RECIPE_KEY] = JSON.stringify(recipe);
  return meta;
}

/**
 * The packed weights a checkpoint's metadata lists (weight name -> format), or an empty map.
 * Throws naming the key when the entry is malformed or from a newer layout version.
 */
export function readPackedWeights(metadata: Readonly<Record<string, string>>): Map<string, PackedFormatName> {
  const raw = metadata[SIEVE_PACKED_KEY];
  const out = new Map<string, PackedFormatName>();
  if (raw === undefined) return out;
  const version = metadata[SIEVE_FORMAT_KEY];
  if (version !== undefined && version !== SIEVE_FORMAT_VERSION) {
    throw new Error(`metadata "${SIEVE_FORMAT_KEY}" is ${JSON.stringify(version)}; this version reads packed layouts "${SIEVE_FORMAT_VERSION}" only`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`metadata "${SIEVE_PACKED_KEY}" is not JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`metadata "${SIEVE_PACKED_KEY}" must be a JSON object of weight name -> format`);
  for (const [name, format] of Object.entries(parsed as Record<string, unknown>)) {
    if (!PACKED_FORMATS.includes(format as PackedFormatName)) {
      throw new Error(`metadata "${SIEVE_PACKED_KEY}": ${name} has format ${JSON.stringify(format)} (known: ${PACKED_FORMATS.join(", ")})`);
    }
    out.set(name, format as PackedFormatName);
  }
  return out;
}

/** The recipe stored with a checkpoint, parsed, or undefined. */
export function readRecipe(metadata: Readonly<Record<string, string>>): unknown {
  const raw = metadata[SIEVE_RECIPE_KEY];
  return raw === undefined ? undefined : JSON.parse(raw);
}
