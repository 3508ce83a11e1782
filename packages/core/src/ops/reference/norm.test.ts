import { describe, expect, it } from "vitest";
import { Rng } from "../../tensor/rng.js";
import { layerNorm, rmsNorm } from "./norm.js";

describe("reference norms", () => {
  it("rmsNorm of a hand-computed row", () => {
    // x = [3, 4]: mean(x^2) = 12.5, eps = 0 -> x / sqrt(12.5) * w
    const out = new Float32Array(2);
    rmsNorm(out, Float32Array.of(3, 4), Float32Array.of(1, 2), 1, 2, 0);
    expect(out[0]).toBeCloseTo(3 / Math.sqrt(12.5), 6);
    expect(out[1]).toBeCloseTo((2 * 4) / Math.sqrt(12.5), 6);
  });

  it("rmsNorm rows have unit RMS with unit weight", () => {
    const rng = new Rng(2);
    const rows = 5, dim = 37;
    const x = rng.fillNormal(new Float32Array(rows * dim), 3, 10);
    const out = new Float32Array(rows * dim);
    rmsNorm(out, x, new Float32Array(dim).fill(1), rows, dim, 0);
    for (let r = 0; r < rows; r++) {
      let ss = 0;
      for (let j = 0; j < dim; j++) ss += out[r * dim + j]! ** 2;
      expect(Math.sqrt(ss / dim)).toBeCloseTo(1, 5);
    }
  });

  it("layerNorm rows have zero mean and unit variance, then weight and bias apply", () => {
    const rng = new Rng(3);
    const rows = 4, dim = 19;
    const x = rng.fillNormal(new Float32Array(rows * dim), 50, 3);
    const out = new Float32Array(rows * dim);
    layerNorm(out, x, new Float32Array(dim).fill(1), null, rows, dim, 0);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(out.subarray(r * dim, (r + 1) * dim));
      const mean = row.reduce((a, b) => a + b, 0) / dim;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / dim;
      expect(mean).toBeCloseTo(0, 5);
      expect(variance).toBeCloseTo(1, 4);
    }
    const w = new Float32Array(dim).fill(2);
    const b = new Float32Array(dim).fill(-1);
    const affine = new Float32Array(rows * dim);
    layerNorm(affine, x, w, b, rows, dim, 0);
    for (let i = 0; i < rows * dim; i++) expect(affine[i]).toBeCloseTo(2 * out[i]! - 1, 5);
  });

  it("works in place and validates sizes", () => {
    const rng = new Rng(4);
    const x = rng.fillNormal(new Float32Array(30));
    const expected = new Float32Array(30);
    const w = rng.fillNormal(new Float32Array(10));
    rmsNorm(expected, x, w, 3, 10, 1e-5);
    rmsNorm(x, x, w, 3, 10, 1e-5);
    expect(Array.from(x)).toEqual(Array.from(expected));
    expect(() => rmsNorm(expected, x, w, 4, 10, 1e-5)).toThrow(RangeError);
    expect(() => rmsNorm(expected, x, w.subarray(0, 9), 3, 10, 1e-5)).toThrow(/weight/);
    expect(() => layerNorm(expected, x, w, new Float32Array(2), 3, 10, 1e-5)).toThrow(/bias/);
    expect(() => rmsNorm(expected, x, w, 3, 10, -1)).toThrow(/eps/);
    expect(() => rmsNorm(expected, x, w, 1.5, 10, 0)).toThrow(/rows/);
  });
});
