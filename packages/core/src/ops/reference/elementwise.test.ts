import { describe, expect, it } from "vitest";
import { Rng } from "../../tensor/rng.js";
import { add, gelu, mul, relu, scale, silu, swiglu } from "./elementwise.js";
import { erf } from "./erf.js";

const f32 = (values: number[]): Float32Array => Float32Array.from(values);

describe("erf", () => {
  // Values from a 40-digit arbitrary-precision evaluation.
  const known: Array<[number, number]> = [
    [0, 0],
    [0.1, 0.11246291601828489748],
    [0.5, 0.52049987781304651868],
    [1, 0.84270079294971489414],
    [2, 0.99532226501895271209],
    [2.4, 0.9993114861033549623],
    [2.6, 0.99976396558347069288],
    [3, 0.99997790950300136092],
    [4, 0.99999998458274208524],
    [5.5, 0.99999999999999267253],
  ];
  it("matches high-precision values on both sides of the series/continued-fraction switch", () => {
    for (const [x, want] of known) {
      expect(Math.abs(erf(x) - want)).toBeLessThan(2e-15);
      expect(Math.abs(erf(-x) + want)).toBeLessThan(2e-15);
    }
  });
  it("saturates and propagates NaN", () => {
    expect(erf(30)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });
});

describe("reference elementwise", () => {
  it("add, mul, scale compute exact f32 results over out.length", () => {
    const a = f32([1.5, -2, 3, 100]);
    const b = f32([0.25, 4, -3, 7]);
    const out = new Float32Array(3); // shorter than the inputs: only out.length elements
    add(out, a, b);
    expect(Array.from(out)).toEqual([1.75, 2, 0]);
    mul(out, a, b);
    expect(Array.from(out)).toEqual([0.375, -8, -9]);
    scale(out, a, -0.5);
    expect(Array.from(out)).toEqual([-0.75, 1, -1.5]);
  });

  it("silu and swiglu follow x * sigmoid(x)", () => {
    const x = f32([-3, -0.5, 0, 0.5, 3, -100]);
    const out = new Float32Array(x.length);
    silu(out, x);
    x.forEach((v, i) => expect(out[i]).toBeCloseTo(v / (1 + Math.exp(-v)), 6));
    const up = f32([2, 2, 2, 2, 2, 2]);
    swiglu(out, x, up);
    x.forEach((v, i) => expect(out[i]).toBeCloseTo((2 * v) / (1 + Math.exp(-v)), 6));
  });

  it("gelu (erf) matches x * Phi(x) at hand-checked points, and tanh stays close to it", () => {
    // Phi(1) = 0.841344746068543, Phi(-1) = 0.158655253931457, Phi(2) = 0.977249868051821.
    const x = f32([1, -1, 2, 0]);
    const exact = new Float32Array(4);
    gelu(exact, x, "none");
    expect(exact[0]).toBeCloseTo(0.841344746068543, 6);
    expect(exact[1]).toBeCloseTo(-0.158655253931457, 6);
    expect(exact[2]).toBeCloseTo(2 * 0.977249868051821, 6);
    expect(exact[3]).toBe(0);
    const approx = new Float32Array(4);
    gelu(approx, x, "tanh");
    for (let i = 0; i < 4; i++) expect(Math.abs(approx[i]! - exact[i]!)).toBeLessThan(1e-3);
    expect(approx[0]).toBeCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (1 + 0.044715))), 6);
  });

  it("relu zeroes negatives and keeps NaN", () => {
    const out = new Float32Array(4);
    relu(out, f32([-1, 0, 2.5, NaN]));
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBe(2.5);
    expect(out[3]).toBeNaN();
  });

  it("works in place", () => {
    const rng = new Rng(1);
    const x = rng.fillNormal(new Float32Array(17));
    const copy = x.slice();
    const expected = new Float32Array(17);
    silu(expected, copy);
    silu(x, x);
    expect(Array.from(x)).toEqual(Array.from(expected));
  });

  it("rejects wrong types, short inputs and bad enums", () => {
    const out = new Float32Array(4);
    expect(() => add(out, new Float32Array(3), new Float32Array(4))).toThrow(RangeError);
    expect(() => add(out, new Float64Array(4) as unknown as Float32Array, new Float32Array(4))).toThrow(TypeError);
    expect(() => gelu(out, new Float32Array(4), "fast" as never)).toThrow(RangeError);
    expect(() => scale(out, new Float32Array(4), Infinity)).toThrow(RangeError);
  });
});
