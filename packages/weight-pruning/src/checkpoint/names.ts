/**
 * Names of pruned layers: P1's transform and the module tree say "layers.0.mlp.up_proj"; the
 * checkpoint says "model.layers.0.mlp.up_proj.weight". Both (and the forms in between) map to
 * the checkpoint's weight name.
 */

export function weightNameOf(path: string): string {
  const base = path.endsWith(".weight") ? path.slice(0, -".weight".length) : path;
  if (base === "lm_head" || base.startsWith("model.")) return `${base}.weight`;
  return `model.${base}.weight`;
}

/** The layer name the LinearFactory sees ("model.layers.0.mlp.up_proj"). */
export function layerNameOf(weightName: string): string {
  return weightName.replace(/\.weight$/, "");
}
