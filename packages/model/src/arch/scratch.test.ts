import { describe, expect, it } from "vitest";
import { Scratch } from "./scratch.js";

describe("Scratch", () => {
  it("hands out the same view for the same name and size, and a right-sized view after any change", () => {
    const s = new Scratch();
    const a = s.floats("a", 10);
    expect(a.length).toBe(10);
    expect(s.floats("a", 10)).toBe(a);
    a[3] = 7;

    const big = s.floats("a", 1000);
    expect(big.length).toBe(1000);
    const small = s.floats("a", 10);
    expect(small.length).toBe(10);
    expect(s.floats("a", 20).length).toBe(20);
    expect(s.floats("a", 20)).toBe(s.floats("a", 20));
    // Names are independent, floats and ints too.
    const ints = s.ints("a", 10);
    expect(ints).toBeInstanceOf(Int32Array);
    expect(ints.length).toBe(10);
    expect(s.ints("a", 10)).toBe(ints);
    expect(s.floats("b", 10)).not.toBe(s.floats("a", 10));
  });

  it("grows a buffer to the next power of two (at least 64) and keeps it", () => {
    const s = new Scratch();
    s.floats("x", 10);
    expect(s.bytes).toBe(64 * 4);
    s.floats("x", 100);
    expect(s.bytes).toBe(128 * 4);
    s.floats("x", 100);
    s.floats("x", 3);
    expect(s.bytes).toBe(128 * 4);
    s.ints("y", 65);
    expect(s.bytes).toBe(128 * 4 + 128 * 4);
  });
});
