/**
 * Which linear layers of a block read the same input, and listeners that collect input
 * statistics for them. In a Llama block q/k/v read the same normed hidden state and so do
 * gate/up: each such group is collected once and shared, which saves 3x on attention inputs.
 */
import type { ActivationTaps } from "@sieve/core";
import type { LlamaModel } from "../arch/llama.js";
import { InputStatsAccumulator, type InputStatsOptions, type LinearInputStats } from "./input-stats.js";

/** Slot names (the last path segment) of linears that read the same tensor in a Llama block. */
const SHARED_INPUTS: readonly (readonly string[])[] = [
  ["q_proj", "k_proj", "v_proj"],
  ["gate_proj", "up_proj"],
];

/** The linear slot paths of block `layer`, in model order. */
export function blockLinearPaths(model: LlamaModel, layer: number): string[] {
  const prefix = `layers.${layer}.`;
  return model.tree
    .list("linear")
    .map((s) => s.path)
    .filter((p) => p.startsWith(prefix));
}

/**
 * The linears of block `layer` grouped by shared input, in model order, e.g.
 * [[q, k, v], [o], [gate, up], [down]] (full slot paths).
 */
export function linearInputGroups(model: LlamaModel, layer: number): string[][] {
  const groups: string[][] = [];
  const byKey = new Map<string, string[]>();
  for (const path of blockLinearPaths(model, layer)) {
    const dot = path.lastIndexOf(".");
    const parent = path.slice(0, dot);
    const name = path.slice(dot + 1);
    const family = SHARED_INPUTS.findIndex((f) => f.includes(name));
    const key = family >= 0 ? `${parent}#${family}` : path;
    let group = byKey.get(key);
    if (!group) {
      group = [];
      byKey.set(key, group);
      groups.push(group);
    }
    group.push(path);
  }
  return groups;
}

export interface BlockInputCollector {
  /** Statistics by linear slot path (members of a group share one object). */
  readonly stats: ReadonlyMap<string, LinearInputStats>;
  /** Attaches the listeners to the taps; returns the function that detaches them. */
  listen(taps: ActivationTaps): () => void;
}

/**
 * Collects the input statistics of every linear of block `layer` (one accumulator per
 * shared-input group, listening at the group's first slot). `options` may depend on the group,
 * e.g. a Gram matrix only where an algorithm needs one.
 */
export function collectBlockInputs(model: LlamaModel, layer: number, options: InputStatsOptions | ((paths: string[]) => InputStatsOptions) = {}): BlockInputCollector {
  const stats = new Map<string, InputStatsAccumulator>();
  const listened: Array<[string, InputStatsAccumulator]> = [];
  for (const group of linearInputGroups(model, layer)) {
    const cols = model.tree.get<{ inFeatures: number }>(group[0]!).get().inFeatures;
    const acc = new InputStatsAccumulator(cols, typeof options === "function" ? options(group) : options);
    for (const p of group) stats.set(p, acc);
    listened.push([group[0]!, acc]);
  }
  return {
    stats,
    listen(taps) {
      const off = listened.map(([point, acc]) => taps.on(point, (_p, x, rows) => acc.add(x, rows)));
      return () => off.forEach((f) => f());
    },
  };
}
