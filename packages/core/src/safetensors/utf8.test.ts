import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findInvalidUtf8 } from "./utf8.js";

const fatal = new TextDecoder("utf-8", { fatal: true });
const isValid = (bytes: Uint8Array) => {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe("findInvalidUtf8", () => {
  it("accepts every valid encoding and points at the first bad byte", () => {
    expect(findInvalidUtf8(new TextEncoder().encode("aé✓😀\u{10FFFF}"))).toBe(-1);
    expect(findInvalidUtf8(new Uint8Array([0x61, 0xc0, 0x80]))).toBe(1); // overlong NUL
    expect(findInvalidUtf8(new Uint8Array([0xe0, 0x80, 0x80]))).toBe(0); // overlong 3-byte
    expect(findInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(findInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
    expect(findInvalidUtf8(new Uint8Array([0x61, 0x62, 0xe2, 0x9c]))).toBe(2); // cut short
    expect(findInvalidUtf8(new Uint8Array([0x80]))).toBe(0); // lone continuation
  });

  it("agrees with TextDecoder's fatal mode on random bytes", () => {
    // Bias toward bytes >= 0x80 so that multi-byte sequences, valid and not, are common.
    const byte = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xe0, 0xed, 0xf0, 0xf4, 0x80, 0xbf));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 24 }), (list) => {
        const bytes = Uint8Array.from(list);
        const bad = findInvalidUtf8(bytes);
        expect(bad === -1).toBe(isValid(bytes));
        if (bad >= 0) expect(isValid(bytes.subarray(0, bad))).toBe(true);
      }),
      { numRuns: 3000, seed: 42 },
    );
  });
});
