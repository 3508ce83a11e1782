import { describe, expect, it } from "vitest";
import { argmax, topk } from "./select.js";

describe("reference argmax / topk", () => {
  it("argmax takes the lowest index on ties", () => {
    const out = new Int32Array(3);
    argmax(out, Float32Array.of(1, 5, 5, 2, -1, -1, -1, -1, 0, 3, 0, 3), 3, 4);
    expect(Array.from(out)).toEqual([1, 0, 1]);
  });

  it("topk sorts descending with lower indices first on ties", () => {
    const values = new Float32Array(6);
    const indices = new Int32Array(6);
    topk(values, indices, Float32Array.of(3, 1, 4, 1, 5, 9, 2, 6, 5, 5), 2, 5, 3);
    // Row 0 = [3, 1, 4, 1, 5]; row 1 = [9, 2, 6, 5, 5] (the tied 5s: column 3 before 4).
    expect(Array.from(indices)).toEqual([4, 2, 0, 0, 2, 3]);
    expect(Array.from(values)).toEqual([5, 4, 3, 9, 6, 5]);
  });

  it("topk ranks NaN below every number", () => {
    const values = new Float32Array(3);
    const indices = new Int32Array(3);
    topk(values, indices, Float32Array.of(NaN, -Infinity, 2, NaN), 1, 4, 3);
    expect(Array.from(indices)).toEqual([2, 1, 0]);
  });

  it("validates k and sizes", () => {
    const x = new Float32Array(6);
    expect(() => topk(new Float32Array(8), new Int32Array(8), x, 2, 3, 4)).toThrow(/k = 4 exceeds cols = 3/);
    expect(() => topk(new Float32Array(3), new Int32Array(4), x, 2, 3, 2)).toThrow(/outValues/);
    expect(() => argmax(new Int32Array(1), x, 2, 3)).toThrow(/out/);
    expect(() => argmax(new Int32Array(2), x, 2, 0)).toThrow(/cols/);
    expect(() => argmax(new Float32Array(2) as unknown as Int32Array, x, 2, 3)).toThrow(TypeError);
  });
});
