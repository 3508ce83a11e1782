import { describe, expect, it } from "vitest";
import { planWindows } from "./windows.js";

describe("planWindows", () => {
  it("scores every token but the first exactly once, for any stride", () => {
    for (const length of [1, 2, 5, 16, 17, 100]) {
      for (const [ctx, stride] of [[16, 16], [16, 8], [16, 1], [16, 5], [2, 1], [2, 2], [1, 1]] as const) {
        const counts = new Array<number>(length).fill(0);
        for (const w of planWindows(length, ctx, stride)) {
          expect(w.end - w.begin).toBeLessThanOrEqual(ctx);
          expect(w.scoreFrom).toBeGreaterThan(w.begin);
          expect(w.scoreEnd).toBeLessThanOrEqual(w.end + 1);
          for (let j = w.scoreFrom; j < w.scoreEnd; j++) counts[j]!++;
        }
        expect(counts).toEqual(Array.from({ length }, (_, i) => (i === 0 ? 0 : 1)));
      }
    }
  });

  it("gives the scored tokens of later windows at least ctx - stride tokens of context", () => {
    expect(planWindows(20, 8, 4)).toEqual([
      { begin: 0, end: 8, scoreFrom: 1, scoreEnd: 9 },
      { begin: 4, end: 12, scoreFrom: 9, scoreEnd: 13 },
      { begin: 8, end: 16, scoreFrom: 13, scoreEnd: 17 },
      { begin: 12, end: 20, scoreFrom: 17, scoreEnd: 20 },
    ]);
  });

  it("with stride = ctx, windows are disjoint and the boundary token is scored by the previous window", () => {
    expect(planWindows(10, 4, 4)).toEqual([
      { begin: 0, end: 4, scoreFrom: 1, scoreEnd: 5 },
      { begin: 4, end: 8, scoreFrom: 5, scoreEnd: 9 },
      { begin: 8, end: 10, scoreFrom: 9, scoreEnd: 10 },
    ]);
  });

  it("rejects a stride that would skip tokens", () => {
    expect(() => planWindows(10, 4, 5)).toThrow("stride");
    expect(() => planWindows(10, 0, 1)).toThrow("ctx");
  });
});
