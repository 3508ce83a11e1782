/**
 * What the loaded model says about its sparsity, per layer, for the metrics and the dashboard.
 *
 * Weight sparsity comes from describe() of every linear slot (a static property of the layer).
 * Sparsity achieved at run time (TEAL/CATS/DejaVu skipping activations, Quest or StreamingLLM
 * skipping KV pages) can only be measured by the layers that do it, so they may implement
 * SparsityReporter; a model without such layers simply reports none, and the corresponding
 * gauges have no series.
 */
import type { LinearDescription, LinearLayer, ModuleTree, Slot } from "@sieve/core";

/** What run-time sparsity a layer measured. */
export interface AchievedSparsity {
  /** "activation": inputs/neurons skipped; "kv": KV pages or tokens not read. */
  kind: "activation" | "kv";
  /** Fraction skipped, in [0, 1], averaged over what the layer processed since it was built (or last reset). */
  fraction: number;
  /** How many rows / queries the average covers (0 when nothing ran yet). */
  samples: number;
}

/**
 * Implemented by technique layers (a TEAL linear, a DejaVu MLP, a Quest attention...) that can
 * tell how much they skipped. Cheap: called on every metrics scrape and dashboard poll.
 */
export interface SparsityReporter {
  achievedSparsity(): AchievedSparsity;
}

export function isSparsityReporter(value: unknown): value is SparsityReporter {
  return typeof value === "object" && value !== null && typeof (value as { achievedSparsity?: unknown }).achievedSparsity === "function";
}

export interface LinearReport extends Pick<LinearDescription, "kind" | "kernel" | "dtype" | "inFeatures" | "outFeatures" | "bytes" | "weightSparsity"> {
  /** Slot path, e.g. "layers.3.mlp.down_proj". */
  path: string;
  /** Block index parsed from the path (-1 for slots outside the blocks, e.g. the LM head). */
  layer: number;
}

export interface AchievedReport extends AchievedSparsity {
  path: string;
  layer: number;
}

export interface ModelSparsityReport {
  linears: LinearReport[];
  achieved: AchievedReport[];
  /** Weight sparsity over all linear weights, weighted by their sizes. */
  overallWeightSparsity: number;
}

function layerOf(path: string): number {
  const match = /(?:^|\.)layers\.(\d+)\./.exec(path);
  return match ? Number(match[1]) : -1;
}

/** Walks a model's module tree (any model with `tree`), describing every linear slot and collecting every reporter. */
export function reportModelSparsity(model: { tree: ModuleTree }): ModelSparsityReport {
  const linears: LinearReport[] = [];
  const achieved: AchievedReport[] = [];
  let weights = 0;
  let zeros = 0;
  for (const slot of model.tree.list() as Slot<unknown>[]) {
    const value = slot.get();
    if (slot.kind === "linear") {
      const d = (value as LinearLayer).describe();
      linears.push({ path: slot.path, layer: layerOf(slot.path), kind: d.kind, kernel: d.kernel, dtype: d.dtype, inFeatures: d.inFeatures, outFeatures: d.outFeatures, bytes: d.bytes, weightSparsity: d.weightSparsity });
      const n = d.inFeatures * d.outFeatures;
      weights += n;
      zeros += n * d.weightSparsity;
    }
    if (isSparsityReporter(value)) achieved.push({ path: slot.path, layer: layerOf(slot.path), ...value.achievedSparsity() });
  }
  return { linears, achieved, overallWeightSparsity: weights > 0 ? zeros / weights : 0 };
}
