import { afterEach, describe, expect, it } from "vitest";
import { nativeBackendOrNull } from "../testing/parity.js";
import { allocWeightStorage, HUGE_PAGE_BYTES, weightMemoryStatus } from "./weight-memory.js";

const native = nativeBackendOrNull();
const saved = process.env.SIEVE_HUGE_PAGES;
afterEach(() => {
  if (saved === undefined) delete process.env.SIEVE_HUGE_PAGES;
  else process.env.SIEVE_HUGE_PAGES = saved;
});

describe("allocWeightStorage", () => {
  it("gives plain zeroed storage below one huge page", () => {
    const before = weightMemoryStatus().mapped.buffers;
    const s = allocWeightStorage("f16", 1000);
    expect(s).toBeInstanceOf(Uint16Array);
    expect(s.length).toBe(1000);
    expect(s.every((v) => v === 0)).toBe(true);
    expect(weightMemoryStatus().mapped.buffers).toBe(before);
  });

  it("gives plain storage when SIEVE_HUGE_PAGES=off", () => {
    process.env.SIEVE_HUGE_PAGES = "off";
    const before = weightMemoryStatus().mapped.buffers;
    const s = allocWeightStorage("f32", HUGE_PAGE_BYTES);
    expect(s).toBeInstanceOf(Float32Array);
    expect(s.length).toBe(HUGE_PAGE_BYTES);
    expect(weightMemoryStatus()).toMatchObject({ mode: "plain", reason: /SIEVE_HUGE_PAGES=off/ });
    expect(weightMemoryStatus().mapped.buffers).toBe(before);
  });

  it.skipIf(!native)("maps large weights at 2 MiB-aligned addresses, zeroed, writable, of the asked type and length", () => {
    delete process.env.SIEVE_HUGE_PAGES;
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
    expect(after.mapped.buffers).toBe(before.buffers + 1);
    expect(after.mapped.bytes).toBe(before.bytes + length * 2);
    // Only whole 2 MiB pieces are advised (where the OS takes the advice at all).
    const advised = after.mapped.hugeAdvisedBytes - before.hugeAdvisedBytes;
    expect([0, HUGE_PAGE_BYTES]).toContain(advised);
  });

  it.skipIf(!native)("rejects sizes the addon cannot map with a RangeError naming the argument", () => {
    const addon = native!.addon;
    expect(() => addon.allocWeightBuffer(0)).toThrow(/allocWeightBuffer: argument 0 \(bytes\) must be between 1 and 1 TiB/);
    expect(() => addon.allocWeightBuffer(-5)).toThrow(RangeError);
    expect(() => addon.allocWeightBuffer("8" as unknown as number)).toThrow(TypeError);
  });
});
