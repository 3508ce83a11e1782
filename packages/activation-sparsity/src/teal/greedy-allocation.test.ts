import { describe, expect, it } from "vitest";
import { allocationAt, greedyPath } from "./greedy-allocation.js";
import { weightedSparsity, type TealGroup } from "./groups.js";

const groups: TealGroup[] = [
  { layer: 0, paths: ["a"], inFeatures: 4, weights: 100 },
  { layer: 0, paths: ["b"], inFeatures: 4, weights: 300 },
];

describe("greedy allocation", () => {
  it("raises the group whose error grows least, and hits any target average exactly", () => {
    // Group b is far more sensitive, even per weight skipped: greedy should spare it.
    const error = (s: readonly number[]): number => s[0]! ** 2 + 30 * s[1]! ** 2;
    const path = greedyPath(groups, error, { step: 0.05, max: 0.6 });
    expect(path[0]!.sparsities).toEqual([0, 0]);
    expect(path.at(-1)!.average).toBeGreaterThanOrEqual(0.6 - 1e-9);
    for (let i = 1; i < path.length; i++) expect(path[i]!.average).toBeGreaterThan(path[i - 1]!.average);
    for (const target of [0.1, 0.25, 0.4, 0.6]) {
      const s = allocationAt(groups, path, target);
      expect(weightedSparsity(groups, s)).toBeCloseTo(target, 9);
      // Cheaper group a carries more sparsity than the uniform target.
      expect(s[0]!).toBeGreaterThan(target);
      expect(s[1]!).toBeLessThan(target);
      // And the allocation beats uniform on the error it was built from.
      expect(error(s)).toBeLessThan(error([target, target]));
    }
    expect(() => allocationAt(groups, path, 0.9)).toThrow(/greedy max/);
  });

  it("reports every point as the path records it", () => {
    const seen: number[] = [];
    const path = greedyPath(groups, (s) => s[0]! + 2 * s[1]!, { step: 0.1, max: 0.5, onPoint: (p) => seen.push(p.average) });
    expect(seen).toEqual(path.map((p) => p.average));
  });

  it("caps each group and stops when nothing can rise", () => {
    const path = greedyPath(groups, (s) => s[1]!, { step: 0.1, max: 0.99, maxGroupSparsity: 0.5 });
    expect(Math.max(...path.at(-1)!.sparsities)).toBeLessThanOrEqual(0.5);
    expect(path.at(-1)!.average).toBeCloseTo(0.5, 9);
  });
});
