import { Rng } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { InputStatsAccumulator } from "./input-stats.js";

describe("InputStatsAccumulator", () => {
  it("accumulates Σx² per column and XᵀX over several adds", () => {
    const rng = new Rng(3);
    const cols = 5;
    const x = rng.fillNormal(new Float32Array(7 * cols));
    const acc = new InputStatsAccumulator(cols, { gram: true });
    acc.add(x.subarray(0, 3 * cols), 3);
    acc.add(x.subarray(3 * cols), 4);
    expect(acc.rows).toBe(7);
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < 7; r++) s += x[r * cols + i]! * x[r * cols + j]!;
        expect(acc.gram![i * cols + j]).toBeCloseTo(s, 10);
      }
      expect(acc.sumSquares[i]).toBeCloseTo(acc.gram![i * cols + i]!, 10);
      expect(acc.columnNorms()[i]).toBeCloseTo(Math.sqrt(acc.sumSquares[i]!), 12);
    }
  });

  it("skips the Gram matrix unless asked", () => {
    const acc = new InputStatsAccumulator(3);
    acc.add(new Float32Array([1, 2, 3]), 1);
    expect(acc.gram).toBeUndefined();
    expect([...acc.sumSquares]).toEqual([1, 4, 9]);
  });
});
