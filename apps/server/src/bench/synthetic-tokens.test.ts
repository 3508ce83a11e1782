import { describe, expect, it } from "vitest";
import { syntheticTokenIds } from "./synthetic-tokens.js";

describe("syntheticTokenIds", () => {
  it("is deterministic per seed, starts with BOS, and stays inside the vocabulary above the control ids", () => {
    const a = syntheticTokenIds(200, 512, 1);
    expect(a).toEqual(syntheticTokenIds(200, 512, 1));
    expect(a).not.toEqual(syntheticTokenIds(200, 512, 1, 2));
    expect(a).toHaveLength(200);
    expect(a[0]).toBe(1);
    for (const id of a.slice(1)) {
      expect(id).toBeGreaterThanOrEqual(3);
      expect(id).toBeLessThan(512);
    }
    expect(new Set(a).size).toBeGreaterThan(100);
  });

  it("omits BOS when the model has none and rejects an empty request", () => {
    expect(syntheticTokenIds(3, 100, undefined)).toHaveLength(3);
    expect(() => syntheticTokenIds(0, 100, 1)).toThrow(/positive integer/);
  });
});
