import { describe, expect, it } from "vitest";
import { Rng } from "@sieve/core";
import { MagnitudeHistogram } from "./magnitude-histogram.js";

describe("MagnitudeHistogram", () => {
  it("reads thresholds whose sparsity matches the samples within the bin resolution", () => {
    const rng = new Rng(5);
    const x = rng.fillNormal(new Float32Array(200_000), 0, 0.03);
    const h = new MagnitudeHistogram();
    h.add(x.subarray(0, 100_000));
    h.add(x.subarray(100_000));
    expect(h.total).toBe(200_000);
    const sorted = Float32Array.from(x, Math.abs).sort();
    for (const s of [0.1, 0.25, 0.5, 0.65, 0.9]) {
      const t = h.threshold(s);
      const exact = sorted[Math.floor(s * sorted.length)]!;
      expect(Math.abs(t - exact) / exact).toBeLessThan(0.008);
      let below = 0;
      for (const v of x) if (Math.abs(v) < t) below++;
      expect(Math.abs(below / x.length - s)).toBeLessThan(0.002);
      expect(Math.abs(h.fractionBelow(t) - s)).toBeLessThan(1e-6);
    }
  });

  it("handles zeros, empty histograms and extreme targets", () => {
    const h = new MagnitudeHistogram();
    expect(h.threshold(0.5)).toBe(0);
    h.add(Float32Array.from([0, 0, 1, -2]));
    expect(h.threshold(0)).toBe(0);
    expect(h.threshold(0.5)).toBeLessThan(1e-38); // inside the bin of zeros and denormals
    expect(h.threshold(0.75)).toBeGreaterThan(1);
    expect(h.threshold(0.75)).toBeLessThan(1.01);
    const merged = new MagnitudeHistogram();
    merged.merge(h);
    merged.merge(h);
    expect(merged.total).toBe(8);
    expect(merged.threshold(0.75)).toBe(h.threshold(0.75));
  });
});
