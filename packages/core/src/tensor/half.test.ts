import { describe, expect, it } from "vitest";
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from "./half.js";

// Exact decoding of every f16 pattern, computed independently with Math.pow.
function decodeF16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe("f16", () => {
  it("widens every one of the 65536 bit patterns exactly", () => {
    for (let h = 0; h < 0x10000; h++) {
      const got = f16BitsToF32(h);
      const want = decodeF16(h);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(Object.is(got, want)).toBe(true);
    }
  });

  it("round-trips every non-NaN pattern", () => {
    for (let h = 0; h < 0x10000; h++) {
      if (((h >> 10) & 0x1f) === 31 && (h & 0x3ff) !== 0) continue;
      expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h);
    }
  });

  it("rounds to nearest, ties to even, matching a brute-force nearest search", () => {
    // Midpoints between consecutive representable halves round to the one with an even mantissa.
    for (let h = 0x0001; h < 0x7bff; h += 37) {
      const lo = decodeF16(h);
      const hi = decodeF16(h + 1);
      const mid = (lo + hi) / 2;
      const expected = (h & 1) === 0 ? h : h + 1;
      expect(Math.fround(mid)).toBe(mid); // midpoints of halves are exact in f32
      expect(f32ToF16Bits(mid)).toBe(expected);
      expect(f32ToF16Bits(lo + (hi - lo) * 0.25)).toBe(h);
      expect(f32ToF16Bits(lo + (hi - lo) * 0.75)).toBe(h + 1);
    }
  });

  it("handles overflow, underflow, infinities, signed zero and NaN", () => {
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // rounds up to Inf
    expect(f32ToF16Bits(1e10)).toBe(0x7c00);
    expect(f32ToF16Bits(-Infinity)).toBe(0xfc00);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // exactly half the smallest subnormal: ties to even (0)
    expect(f32ToF16Bits(2 ** -25 * 1.0001)).toBe(1);
    expect(f32ToF16Bits(2 ** -24)).toBe(1);
    expect(f32ToF16Bits(NaN) & 0x7e00).toBe(0x7e00);
  });
});

describe("bf16", () => {
  it("widens exactly and round-trips every non-NaN pattern", () => {
    for (let b = 0; b < 0x10000; b++) {
      const v = bf16BitsToF32(b);
      if (Number.isNaN(v)) continue;
      expect(f32ToBf16Bits(v)).toBe(b);
    }
  });

  it("rounds to nearest even", () => {
    const one = f32ToBf16Bits(1); // 0x3f80
    expect(one).toBe(0x3f80);
    const ulp = 2 ** -7;
    expect(f32ToBf16Bits(1 + ulp / 2)).toBe(0x3f80); // tie -> even
    expect(f32ToBf16Bits(1 + (3 * ulp) / 2)).toBe(0x3f82); // tie -> even (up)
    expect(f32ToBf16Bits(1 + ulp * 0.6)).toBe(0x3f81);
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN)))).toBe(true);
    expect(f32ToBf16Bits(3.4e38)).toBe(0x7f80); // rounds to Inf
  });
});
