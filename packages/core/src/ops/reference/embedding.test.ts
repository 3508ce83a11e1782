import { describe, expect, it } from "vitest";
import { f32ToBf16Bits, f32ToF16Bits } from "../../tensor/half.js";
import { embedding } from "./embedding.js";

describe("reference embedding", () => {
  const table = Float32Array.of(0, 1, 2, 10, 11, 12, -1.5, 0.25, 100); // vocab 3, dim 3

  it("gathers rows for every dtype", () => {
    const ids = Int32Array.of(2, 0, 2);
    const want = [-1.5, 0.25, 100, 0, 1, 2, -1.5, 0.25, 100];
    const out = new Float32Array(9);
    embedding(out, table, "f32", ids, 3);
    expect(Array.from(out)).toEqual(want);
    embedding(out, Uint16Array.from(table, f32ToF16Bits), "f16", ids, 3);
    expect(Array.from(out)).toEqual(want); // all values are exact in f16
    embedding(out, Uint16Array.from(table, f32ToBf16Bits), "bf16", ids, 3);
    expect(Array.from(out)).toEqual(want); // and in bf16
  });

  it("rejects ids out of range, mismatched dtypes and ragged tables", () => {
    const out = new Float32Array(6);
    expect(() => embedding(out, table, "f32", Int32Array.of(0, 3), 3)).toThrow(/ids\[1\] = 3/);
    expect(() => embedding(out, table, "f32", Int32Array.of(-1), 3)).toThrow(RangeError);
    expect(() => embedding(out, table, "f16", Int32Array.of(0), 3)).toThrow(TypeError);
    expect(() => embedding(out, table, "f32", Int32Array.of(0), 4)).toThrow(/multiple of dim/);
    expect(() => embedding(new Float32Array(5), table, "f32", Int32Array.of(0, 1), 3)).toThrow(/out/);
  });
});
