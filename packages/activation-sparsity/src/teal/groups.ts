/**
 * The tensors TEAL thresholds: one per distinct linear input of each block. In a Llama block
 * q/k/v read the same normed hidden state and gate/up read the same one, so a block has four:
 * [q, k, v], [o], [gate, up], [down] — each with one histogram and one threshold. A group's
 * weight count (the weights its input feeds) is what its sparsity is weighted by: the average
 * sparsity TEAL targets is the fraction of linear weight bytes a token skips.
 */
import type { LinearLayer } from "@sieve/core";
import { linearInputGroups, type LlamaModel } from "@sieve/model";

export interface TealGroup {
  layer: number;
  /** Linear slot paths reading this input, e.g. ["layers.0.self_attn.q_proj", ...]. */
  paths: string[];
  inFeatures: number;
  /** Weights fed by this input: sum of inFeatures x outFeatures over the members. */
  weights: number;
}

export function tealGroups(model: LlamaModel, layer: number): TealGroup[] {
  return linearInputGroups(model, layer).map((paths) => {
    const layers = paths.map((p) => model.tree.get<LinearLayer>(p).get());
    return { layer, paths, inFeatures: layers[0]!.inFeatures, weights: layers.reduce((n, l) => n + l.inFeatures * l.outFeatures, 0) };
  });
}

/** The weighted average sparsity of groups at the given per-group sparsities. */
export function weightedSparsity(groups: readonly TealGroup[], sparsities: readonly number[]): number {
  let total = 0;
  let skipped = 0;
  groups.forEach((g, i) => {
    total += g.weights;
    skipped += g.weights * sparsities[i]!;
  });
  return total > 0 ? skipped / total : 0;
}
