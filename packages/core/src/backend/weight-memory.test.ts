import { afterEach, describe, expect, it } from "vitest";
import { nativeBackendOrNull } from "../testing/parity.js";
import { allocWeightStorage, describeWeightMemory, HUGE_PAGE_BYTES, setHugePagesByDefault, SHARED_MIN_BYTES, weightMemoryStatus } from "./weight-memory.js";

const native = nativeBackendOrNull();
const saved = process.env.SIEVE_HUGE_PAGES;
afterEach(() => {
  if (saved === undefined) delete process.env.SIEVE_HUGE_PAGES;
  else process.env.SIEVE_HUGE_PAGES = saved;
  setHugePagesByDefault(false);
});

describe("allocWeightStorage", () => {
  it("gives plain zeroed storage below the shared-mapping minimum", () => {
    const before = weightMemoryStatus().mapped.weights;
    const s = allocWeightStorage("f16", SHARED_MIN_BYTES / 2 - 1);
    expect(s).toBeInstanceOf(Uint16Array);
    expect(s.length).toBe(SHARED_MIN_BYTES / 2 - 1);
    expect(s.buffer.byteLength).toBe(s.byteLength);
    expect(s.every((v) => v === 0)).toBe(true);
    expect(weightMemoryStatus().mapped.weights).toBe(before);
  });

  it("gives plain storage by default, and with SIEVE_HUGE_PAGES=off even where the process default is on", () => {
    delete process.env.SIEVE_HUGE_PAGES;
    expect(allocWeightStorage("f32", HUGE_PAGE_BYTES).buffer.byteLength).toBe(HUGE_PAGE_BYTES * 4);
    expect(weightMemoryStatus()).toMatchObject({ mode: "plain", reason: /SIEVE_HUGE_PAGES=on/ });
    expect(describeWeightMemory()).toMatch(/^plain typed arrays \(.*SIEVE_HUGE_PAGES=on/);
    setHugePagesByDefault(true);
    process.env.SIEVE_HUGE_PAGES = "off";
    const before = weightMemoryStatus().mapped.weights;
    for (const length of [SHARED_MIN_BYTES, HUGE_PAGE_BYTES]) {
      const s = allocWeightStorage("f32", length);
      expect(s).toBeInstanceOf(Float32Array);
      expect(s.length).toBe(length);
      expect(s.buffer.byteLength).toBe(length * 4);
    }
    expect(weightMemoryStatus()).toMatchObject({ mode: "plain", reason: /SIEVE_HUGE_PAGES=off/ });
    expect(weightMemoryStatus().mapped.weights).toBe(before);
  });

  it.skipIf(!native)("maps a large weight on its own: zeroed, writable, of the asked type and length", () => {
    process.env.SIEVE_HUGE_PAGES = "on";
    const before = weightMemoryStatus().mapped;
    // 1.5 huge pages and an odd tail (f16: 2 bytes an element): one whole 2 MiB piece, and a tail
    // that is not a multiple of 4 KiB either.
    const length = (3 * HUGE_PAGE_BYTES) / 4 + 777;
    const s = allocWeightStorage("f16", length);
    expect(s).toBeInstanceOf(Uint16Array);
    expect(s.length).toBe(length);
    expect(s.byteOffset).toBe(0);
    expect(s.buffer.byteLength).toBe(length * 2);
    expect(s.every((v) => v === 0)).toBe(true);
    s.fill(0x3c00);
    expect(s[0]).toBe(0x3c00);
    expect(s[length - 1]).toBe(0x3c00);
    const after = weightMemoryStatus();
    expect(after.mode).toBe("huge-pages");
    expect(describeWeightMemory()).toMatch(/GB of weights mapped for 2 MiB pages, .* GB of the process in huge pages now \(transparent huge pages: /);
    expect(after.mapped.weights).toBe(before.weights + 1);
    expect(after.mapped.mappings).toBe(before.mappings + 1);
    expect(after.mapped.bytes).toBe(before.bytes + length * 2);
    // Only whole 2 MiB pieces are advised (where the OS takes the advice at all).
    expect([0, HUGE_PAGE_BYTES]).toContain(after.mapped.hugeAdvisedBytes - before.hugeAdvisedBytes);
  });

  it.skipIf(!native)("carves medium weights from shared mappings at cache-line offsets, without overlap", () => {
    process.env.SIEVE_HUGE_PAGES = "on";
    const before = weightMemoryStatus().mapped;
    // Odd sizes, so the offsets need rounding; 40 of them overflow one shared mapping.
    const views = Array.from({ length: 40 }, (_, i) => allocWeightStorage("f32", SHARED_MIN_BYTES / 4 + 100_003 + i));
    const after = weightMemoryStatus().mapped;
    expect(after.weights).toBe(before.weights + 40);
    expect(after.mappings).toBeGreaterThan(before.mappings);
    expect(after.mappings).toBeLessThan(before.mappings + 40);
    const byBuffer = new Map<ArrayBufferLike, Float32Array[]>();
    for (const v of views) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.byteOffset % 64).toBe(0);
      expect(v.every((x) => x === 0)).toBe(true);
      byBuffer.set(v.buffer, [...(byBuffer.get(v.buffer) ?? []), v]);
    }
    expect([...byBuffer.values()].some((list) => list.length > 1)).toBe(true);
    for (const list of byBuffer.values()) {
      const sorted = list.slice().sort((a, b) => a.byteOffset - b.byteOffset);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.byteOffset).toBeGreaterThanOrEqual(sorted[i - 1]!.byteOffset + sorted[i - 1]!.byteLength);
    }
    // Writing one weight leaves its neighbours untouched.
    views.forEach((v, i) => v.fill(i + 1));
    views.forEach((v, i) => expect(v[0] === i + 1 && v[v.length - 1] === i + 1).toBe(true));
  });

  it.skipIf(!native)("rejects sizes the addon cannot map with a RangeError naming the argument", () => {
    const addon = native!.addon;
    expect(() => addon.allocWeightBuffer(0)).toThrow(/allocWeightBuffer: argument 0 \(bytes\) must be between 1 and 1 TiB/);
    expect(() => addon.allocWeightBuffer(-5)).toThrow(RangeError);
    expect(() => addon.allocWeightBuffer("8" as unknown as number)).toThrow(TypeError);
  });
});
