import { describe, expect, it } from "vitest";
import { Rng } from "../../tensor/rng.js";
import { logSoftmax, softmax } from "./softmax.js";

describe("reference softmax / logSoftmax", () => {
  it("matches a hand computation and sums to 1 per row", () => {
    const out = new Float32Array(3);
    softmax(out, Float32Array.of(0, Math.log(2), Math.log(5)), 1, 3); // weights 1 : 2 : 5
    expect(out[0]).toBeCloseTo(1 / 8, 7);
    expect(out[1]).toBeCloseTo(2 / 8, 7);
    expect(out[2]).toBeCloseTo(5 / 8, 7);

    const rng = new Rng(8);
    const rows = 6, cols = 101;
    const x = rng.fillNormal(new Float32Array(rows * cols), 0, 5);
    const p = new Float32Array(rows * cols);
    softmax(p, x, rows, cols);
    for (let r = 0; r < rows; r++) {
      const sum = p.subarray(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it("is stable for huge logits and shift invariant", () => {
    const out = new Float32Array(2);
    softmax(out, Float32Array.of(1000, 1000), 1, 2);
    expect(Array.from(out)).toEqual([0.5, 0.5]);
    const a = new Float32Array(3), b = new Float32Array(3);
    logSoftmax(a, Float32Array.of(1, 2, 3), 1, 3);
    logSoftmax(b, Float32Array.of(101, 102, 103), 1, 3);
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });

  it("logSoftmax is log(softmax)", () => {
    const rng = new Rng(9);
    const x = rng.fillNormal(new Float32Array(40), 0, 3);
    const p = new Float32Array(40), lp = new Float32Array(40);
    softmax(p, x, 4, 10);
    logSoftmax(lp, x, 4, 10);
    for (let i = 0; i < 40; i++) expect(lp[i]).toBeCloseTo(Math.log(p[i]!), 5);
  });

  it("works in place and validates sizes", () => {
    const x = Float32Array.of(1, 2, 3, 4);
    const expected = new Float32Array(4);
    softmax(expected, x, 2, 2);
    softmax(x, x, 2, 2);
    expect(Array.from(x)).toEqual(Array.from(expected));
    expect(() => softmax(new Float32Array(4), x, 3, 2)).toThrow(/x has 4 elements, needs 6/);
    expect(() => logSoftmax(new Float32Array(3), x, 2, 2)).toThrow(/out/);
  });
});
