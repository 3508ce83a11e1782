import { describe, expect, it } from "vitest";
import { outlierRatio, owlAllocation } from "./owl.js";

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe("OWL allocation", () => {
  it("averages to the target, prunes outlier-rich blocks less, within a band of 2λ", () => {
    const ratios = [0.01, 0.05, 0.02, 0.09, 0.03];
    for (const target of [0.5, 0.7]) {
      const s = owlAllocation(ratios, target, 0.08);
      expect(mean(s)).toBeCloseTo(target, 12);
      expect(Math.max(...s) - Math.min(...s)).toBeCloseTo(0.16, 12);
      expect(s[3]).toBe(Math.min(...s));
      expect(s[0]).toBe(Math.max(...s));
    }
  });

  it("is uniform for equal ratios and still averages to the target when clamped", () => {
    expect(owlAllocation([0.1, 0.1, 0.1], 0.6)).toEqual([0.6, 0.6, 0.6]);
    const s = owlAllocation([0, 1, 1, 1], 0.95, 0.2);
    expect(Math.max(...s)).toBeLessThanOrEqual(1);
    expect(mean(s)).toBeCloseTo(0.95, 12);
  });

  it("counts scores above M times the mean of all the block's scores together", () => {
    expect(outlierRatio([[1, 1, 1, 1, 1, 1, 1, 1, 1, 41]], 4)).toBeCloseTo(0.1, 12);
    // Pooled mean 2, so both 10s are outliers at M = 2 (per array, neither would be).
    expect(outlierRatio([[0, 0, 0, 0, 0, 0, 0, 0], [10, 10]], 2)).toBeCloseTo(0.2, 12);
  });
});
