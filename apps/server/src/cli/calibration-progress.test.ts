import { describe, expect, it } from "vitest";
import { calibrationFraction } from "./calibration-progress.js";

describe("calibrationFraction", () => {
  it("counts blocks in order, each split between collecting and its greedy path", () => {
    expect(calibrationFraction({ layer: 0, phase: "collect", done: 0, total: 8 }, 4, false)).toBe(0);
    expect(calibrationFraction({ layer: 1, phase: "collect", done: 4, total: 8 }, 4, false)).toBeCloseTo(1.5 / 4, 12);
    expect(calibrationFraction({ layer: 3, phase: "collect", done: 8, total: 8 }, 4, false)).toBe(1);
    // Greedy: collecting is the first tenth of a block, the path (average reached / max) the rest.
    expect(calibrationFraction({ layer: 2, phase: "collect", done: 8, total: 8 }, 4, true)).toBeCloseTo(2.1 / 4, 12);
    expect(calibrationFraction({ layer: 2, phase: "greedy", done: 0.35, total: 0.7 }, 4, true)).toBeCloseTo(2.55 / 4, 12);
    expect(calibrationFraction({ layer: 3, phase: "greedy", done: 0.7, total: 0.7 }, 4, true)).toBe(1);
  });

  it("stays in [0, 1] on odd events", () => {
    expect(calibrationFraction({ layer: 9, phase: "collect", done: 3, total: 2 }, 4, false)).toBe(1);
    expect(calibrationFraction({ layer: 0, phase: "collect", done: 1, total: 0 }, 0, false)).toBe(1);
  });
});
