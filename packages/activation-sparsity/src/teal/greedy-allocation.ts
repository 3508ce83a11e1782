/**
 * TEAL's block-wise greedy allocation, as a pure algorithm over an error function: starting from
 * no sparsity, each step tries raising each group's sparsity by `step`, keeps the candidate whose
 * block output error grows least per unit of average sparsity gained, and records the point. One
 * run gives the allocation for every target up to `max`; allocationAt reads one off the path.
 *
 * Why "per unit of average sparsity": groups differ in size (o_proj feeds dim^2 weights, gate/up
 * 2 x dim x hidden), so the same sparsity step skips very different numbers of weights. Giving
 * every candidate the same number of skipped weights instead makes a small group's steps huge (a
 * 0.05 block step moves stories260K's o_proj by 0.55), and that variant measured worse than
 * uniform allocation there (KL 0.72 vs 0.69 at 50%); error per skipped weight with a 0.05
 * per-group step beat uniform at 25/50/65% (docs/results/activation-quality.md).
 */
import { weightedSparsity, type TealGroup } from "./groups.js";

export interface GreedyPoint {
  /** Weighted average sparsity of the block at this point. */
  average: number;
  /** Per-group sparsity, in the block's group order. */
  sparsities: number[];
  /** Block output error at this point (as the error function measures it). */
  error: number;
}

export interface GreedyOptions {
  /** Sparsity a candidate adds to one group (default 0.05). */
  step?: number;
  /** The path ends once the average reaches this (default 0.7). */
  max?: number;
  /** No group goes beyond this sparsity (default 0.98). */
  maxGroupSparsity?: number;
  /** Called with each point as the path records it (progress: a path costs ~4 block runs per point). */
  onPoint?: (point: GreedyPoint) => void;
}

export const DEFAULT_GREEDY_STEP = 0.05;
export const DEFAULT_GREEDY_MAX = 0.7;

/** The greedy path of one block; `error` measures the block output error at per-group sparsities. */
export function greedyPath(groups: readonly TealGroup[], error: (sparsities: readonly number[]) => number, options: GreedyOptions = {}): GreedyPoint[] {
  const step = options.step ?? DEFAULT_GREEDY_STEP;
  const max = options.max ?? DEFAULT_GREEDY_MAX;
  const cap = options.maxGroupSparsity ?? 0.98;
  if (!(step > 0 && step < 1)) throw new RangeError(`greedyPath: step must be in (0, 1), got ${step}`);
  let current = groups.map(() => 0);
  const path: GreedyPoint[] = [{ average: 0, sparsities: current, error: error(current) }];
  options.onPoint?.(path[0]!);
  let currentError = path[0]!.error;
  while (weightedSparsity(groups, current) < max - 1e-9) {
    let best: GreedyPoint | undefined;
    let bestScore = Infinity;
    const average = weightedSparsity(groups, current);
    groups.forEach((g, i) => {
      const raised = Math.min(cap, current[i]! + step);
      if (raised <= current[i]! + 1e-12) return;
      const candidate = current.slice();
      candidate[i] = raised;
      const e = error(candidate);
      const candidateAverage = weightedSparsity(groups, candidate);
      const score = (e - currentError) / (candidateAverage - average);
      if (score < bestScore) {
        bestScore = score;
        best = { average: candidateAverage, sparsities: candidate, error: e };
      }
    });
    if (!best) break; // every group is at the cap
    path.push(best);
    options.onPoint?.(best);
    current = (best as GreedyPoint).sparsities;
    currentError = (best as GreedyPoint).error;
  }
  return path;
}

/**
 * Per-group sparsities at average `target`: the path point just below it, with the group the
 * next step raised taking the remainder (so the average is exactly the target).
 */
export function allocationAt(groups: readonly TealGroup[], path: readonly GreedyPoint[], target: number): number[] {
  if (target <= 0) return groups.map(() => 0);
  const last = path[path.length - 1]!;
  if (target > last.average + 1e-9) {
    throw new RangeError(`allocationAt: the greedy path reaches an average sparsity of ${last.average.toFixed(3)}, below the target ${target}; calibrate with a larger greedy max`);
  }
  const next = path.findIndex((p) => p.average >= target - 1e-12);
  if (next <= 0) return path[Math.max(0, next)]!.sparsities.slice();
  const before = path[next - 1]!;
  const after = path[next]!;
  const total = groups.reduce((n, g) => n + g.weights, 0);
  const raised = after.sparsities.findIndex((s, i) => s !== before.sparsities[i]);
  const out = before.sparsities.slice();
  out[raised] = before.sparsities[raised]! + ((target - before.average) * total) / groups[raised]!.weights;
  return out;
}
