import { describe, expect, it } from "vitest";
import { chooseKvBlocks } from "./kv-sizing.js";

describe("chooseKvBlocks", () => {
  const base = { blockSize: 16, bytesPerToken: 1024, maxSeqs: 4, maxModelLen: 256 };
  it("takes kvBlocks as given, else what the memory budget holds, capped at what maxSeqs full sequences use", () => {
    expect(chooseKvBlocks({ ...base, kvBlocks: 7 })).toBe(7);
    expect(chooseKvBlocks({ ...base, kvMemoryBytes: 16 * 1024 * 10.5 })).toBe(10);
    expect(chooseKvBlocks({ ...base, kvMemoryBytes: 1e12 })).toBe(4 * 16);
    expect(chooseKvBlocks(base)).toBe(64);
  });
  it("rejects budgets that hold nothing", () => {
    expect(() => chooseKvBlocks({ ...base, kvBlocks: 0 })).toThrow("kvBlocks");
    expect(() => chooseKvBlocks({ ...base, kvMemoryBytes: 100 })).toThrow("holds no KV block");
  });
});
