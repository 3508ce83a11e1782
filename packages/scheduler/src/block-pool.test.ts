import { describe, expect, it } from "vitest";
import { BlockPool } from "./block-pool.js";

describe("BlockPool", () => {
  it("hands out each block once and takes it back at refCount 0", () => {
    const pool = new BlockPool(3);
    const got = [pool.allocate(), pool.allocate(), pool.allocate()];
    expect(new Set(got).size).toBe(3);
    expect(pool.allocate()).toBeUndefined();
    expect(pool.counts()).toEqual({ total: 3, used: 3, cached: 0, free: 0 });
    pool.retain(got[0]!);
    pool.release(got[0]!);
    expect(pool.counts().used).toBe(3);
    pool.release(got[0]!);
    expect(pool.counts()).toEqual({ total: 3, used: 2, cached: 0, free: 1 });
    expect(() => pool.release(got[0]!)).toThrow("released more often");
    expect(() => pool.retain(got[0]!)).toThrow("is free");
  });

  it("keeps registered blocks cached at refCount 0 and evicts them least recently used first, only when nothing is free", () => {
    const pool = new BlockPool(3);
    const [a, b, c] = [pool.allocate()!, pool.allocate()!, pool.allocate()!];
    expect(pool.register(a, "A")).toBe(true);
    expect(pool.register(b, "B")).toBe(true);
    pool.release(b);
    pool.release(a);
    pool.release(c);
    expect(pool.counts()).toEqual({ total: 3, used: 0, cached: 2, free: 1 });
    expect(pool.lookup("A")).toBe(a);
    // The free block goes first; then B (released before A) is the oldest cached block.
    expect(pool.allocate()).toBe(c);
    expect(pool.allocate()).toBe(b);
    expect(pool.lookup("B")).toBeUndefined();
    expect(pool.lookup("A")).toBe(a);
    expect(pool.evictions).toBe(1);
  });

  it("a cached block retained again leaves the LRU; a second block with the same key is not registered", () => {
    const pool = new BlockPool(2);
    const a = pool.allocate()!;
    pool.register(a, "K");
    pool.release(a);
    pool.retain(a);
    expect(pool.counts()).toEqual({ total: 2, used: 1, cached: 0, free: 1 });
    const b = pool.allocate()!;
    expect(pool.register(b, "K")).toBe(false);
    pool.release(b);
    expect(pool.counts().free).toBe(1);
    expect(pool.register(a, "K")).toBe(true);
  });
});
