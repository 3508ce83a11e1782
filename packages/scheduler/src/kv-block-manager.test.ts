import { describe, expect, it } from "vitest";
import { KvBlockManager } from "./kv-block-manager.js";

const tokens = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => 100 + offset + i);

describe("KvBlockManager", () => {
  it("allocates a block per blockSize tokens as a sequence grows, and frees them all", () => {
    const m = new KvBlockManager(8, 4);
    expect(m.admit("a", m.findCachedPrefix([], 0), 5)).toBe(true);
    expect(m.table("a")).toHaveLength(2);
    expect(m.grow("a", 5, 8)).toEqual([]);
    expect(m.table("a")).toHaveLength(2);
    expect(m.grow("a", 8, 9)).toEqual([]);
    expect(m.table("a")).toHaveLength(3);
    m.free("a");
    expect(m.counts()).toEqual({ total: 8, used: 0, cached: 0, free: 8 });
  });

  it("admission and growth are all or nothing", () => {
    const m = new KvBlockManager(3, 4);
    expect(m.admit("a", m.findCachedPrefix([], 0), 8)).toBe(true);
    expect(m.admit("b", m.findCachedPrefix([], 0), 8)).toBe(false);
    expect(m.has("b")).toBe(false);
    expect(m.grow("a", 8, 13)).toBeUndefined();
    expect(m.table("a")).toHaveLength(2);
    expect(m.admit("b", m.findCachedPrefix([], 0), 4, 1)).toBe(false); // reserve 1 block
    expect(m.admit("b", m.findCachedPrefix([], 0), 4)).toBe(true);
  });

  it("shares committed full blocks with a later sequence of the same prefix (chained: a different first block breaks the chain)", () => {
    const m = new KvBlockManager(16, 4);
    const a = tokens(10);
    m.admit("a", m.findCachedPrefix(a, 9), 10);
    m.commit("a", a, 10);
    const b = [...a.slice(0, 8), 7, 7, 7];
    const hit = m.findCachedPrefix(b, b.length - 1);
    expect(hit.numTokens).toBe(8);
    expect(hit.blocks).toEqual(m.table("a").slice(0, 2));
    m.admit("b", hit, b.length);
    expect(m.table("b").slice(0, 2)).toEqual(m.table("a").slice(0, 2));
    expect(m.pool.refCount(m.table("a")[0]!)).toBe(2);
    // Same second block, different first block: no hit at all.
    const c = [...tokens(4, 50), ...a.slice(4, 8), 1];
    expect(m.findCachedPrefix(c, c.length - 1).numTokens).toBe(0);
    // After both finish, the blocks stay cached and serve a third request.
    m.free("a");
    m.free("b");
    expect(m.counts().cached).toBe(2);
    expect(m.findCachedPrefix(a, 9).numTokens).toBe(8);
  });

  it("never caches the partial last block, nor blocks computed after a release", () => {
    const m = new KvBlockManager(16, 4);
    const a = tokens(14);
    m.admit("a", m.findCachedPrefix(a, 13), 14);
    m.commit("a", a, 14);
    expect(m.findCachedPrefix(a, 14).numTokens).toBe(12);
    const b = tokens(14, 30);
    m.admit("b", m.findCachedPrefix(b, 13), 8);
    m.commit("b", b, 4);
    // Block 0 was complete (and registered) before the release: it stays valid in the cache.
    expect(m.release("b", [0], 4)).toBe(1);
    m.grow("b", 8, 14);
    m.commit("b", b, 14);
    // Blocks computed after the hole attended to fewer tokens: not shared.
    expect(m.findCachedPrefix(b, 13).numTokens).toBe(4);
  });

  it("copies a shared block on write (fork) and leaves the other holder's block alone", () => {
    const m = new KvBlockManager(8, 4);
    const a = tokens(6);
    m.admit("a", m.findCachedPrefix(a, 5), 6);
    m.commit("a", a, 6);
    m.fork("a", "b");
    const [full, partial] = m.table("a");
    expect(m.pool.refCount(partial!)).toBe(2);
    const copies = m.grow("b", 6, 7)!;
    expect(copies).toHaveLength(1);
    expect(copies[0]!.src).toBe(partial);
    expect(m.table("b")).toEqual([full, copies[0]!.dst]);
    expect(m.pool.refCount(partial!)).toBe(1);
    expect(m.pool.refCount(full!)).toBe(2);
    // The full shared block is never written: growing "a" copies nothing.
    expect(m.grow("a", 6, 8)).toEqual([]);
  });

  it("releases complete blocks as holes, refusing blocks still being written", () => {
    const m = new KvBlockManager(8, 4);
    m.admit("a", m.findCachedPrefix([], 0), 13);
    const before = [...m.table("a")];
    expect(m.release("a", [1, 2], 13)).toBe(2);
    expect(m.table("a")).toEqual([before[0], -1, -1, before[3]]);
    expect(m.release("a", [1], 13)).toBe(0);
    expect(() => m.release("a", [3], 13)).toThrow("still being written");
    expect(m.counts().used).toBe(2);
  });
});
