import { describe, expect, it } from "vitest";
import { crossEntropy } from "./loss.js";

describe("reference crossEntropy", () => {
  it("is -log softmax at the target", () => {
    const out = new Float32Array(2);
    // Row 0: uniform over 4 -> ln 4. Row 1: weights 1 : 2 : 5, target the 2 -> -ln(2/8).
    crossEntropy(out, Float32Array.of(0, 0, 0, 0, 0, Math.log(2), Math.log(5), -Infinity), Int32Array.of(3, 1), 2, 4);
    expect(out[0]).toBeCloseTo(Math.log(4), 6);
    expect(out[1]).toBeCloseTo(Math.log(4), 6);
  });

  it("rejects targets outside the row", () => {
    const logits = new Float32Array(6);
    expect(() => crossEntropy(new Float32Array(2), logits, Int32Array.of(0, 3), 2, 3)).toThrow(/targets\[1\] = 3/);
    expect(() => crossEntropy(new Float32Array(2), logits, Int32Array.of(-1, 0), 2, 3)).toThrow(RangeError);
  });
});
