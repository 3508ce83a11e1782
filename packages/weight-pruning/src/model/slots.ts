/** Which linear slots a model-level transform prunes, grouped by block. */
import type { LlamaModel } from "@sieve/model";

/** The block a slot path belongs to ("layers.3.mlp.down_proj" -> 3), or undefined outside blocks. */
export function blockOf(path: string): number | undefined {
  const m = /^layers\.(\d+)\./.exec(path);
  return m ? Number(m[1]) : undefined;
}

/**
 * Linear slots inside blocks that `include` accepts, by block index, in model order. The LM head
 * (a "head" slot) and the embeddings are never in the list.
 */
export function prunableLinears(model: LlamaModel, include: (path: string) => boolean = () => true): Map<number, string[]> {
  const byLayer = new Map<number, string[]>();
  for (const slot of model.tree.list("linear")) {
    const layer = blockOf(slot.path);
    if (layer === undefined || !include(slot.path)) continue;
    const list = byLayer.get(layer) ?? [];
    list.push(slot.path);
    byLayer.set(layer, list);
  }
  return byLayer;
}

/** Every weight the model holds (embeddings, norms, linears, an untied LM head), for model-wide sparsity. */
export function modelWeightCount(model: LlamaModel): number {
  const c = model.config;
  let n = model.embed.rows * model.embed.cols + model.finalNorm.length;
  if (!c.tiedEmbeddings) n += model.lmHead.inFeatures * model.lmHead.outFeatures;
  for (const b of model.layers) n += b.attnNorm.length + b.mlpNorm.length;
  for (const slot of model.tree.list<{ inFeatures: number; outFeatures: number }>("linear")) n += slot.get().inFeatures * slot.get().outFeatures;
  return n;
}
