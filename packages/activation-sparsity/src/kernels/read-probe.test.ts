/**
 * tealReadProbe, the read-bandwidth probe tooling/activation/kernel-bench.ts times next to the
 * TEAL kernels: it must really read the bytes it is given (its sum is the sum of what it reads:
 * the largest multiple of 64 floats per thread), under both instruction sets and 1 or 2 threads,
 * and refuse a non-Float32Array.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Rng, nativeOrNull, randomVector } from "./native.fixture.js";

type ProbeAddon = { tealReadProbe?(data: Float32Array): number };
const loaded = nativeOrNull();
/** An addon built before the probe existed skips (like nativeOrNull does for older addons), unless native is required. */
const native = loaded && typeof (loaded.addon as unknown as ProbeAddon).tealReadProbe === "function" ? loaded : null;
if (loaded && !native) {
  if (process.env.SIEVE_REQUIRE_NATIVE === "1") throw new Error("the addon has no tealReadProbe (rebuild it)");
  console.warn("skipping tealReadProbe tests: the addon has no tealReadProbe (rebuild it)");
}

describe.skipIf(!native)("native tealReadProbe", () => {
  const addon = native?.addon as NonNullable<typeof native>["addon"];
  const probe = addon as unknown as Required<ProbeAddon>;
  const initialThreads = native ? addon.info().threads : 1;
  afterAll(() => {
    addon.setIsa("auto");
    addon.setThreads(initialThreads);
  });

  for (const isa of ["avx2", "portable"] as const) {
    for (const threads of [1, 2]) {
      it(`sums exactly the floats it reads (${isa}, ${threads} threads)`, () => {
        addon.setIsa(isa);
        addon.setThreads(threads);
        const rng = new Rng(11);
        for (const length of [64, 200, 4096 + 77, 100_003]) {
          const data = randomVector(rng, length);
          const parts = Math.max(1, Math.min(addon.info().threads, Math.floor(length / 64)));
          const read = parts * Math.floor(length / parts / 64) * 64;
          let expected = 0;
          let scale = 0;
          for (let i = 0; i < read; i++) {
            expected += data[i]!;
            scale += Math.abs(data[i]!);
          }
          expect(Math.abs(probe.tealReadProbe(data) - expected), `length ${length}`).toBeLessThan(1e-5 * scale + 1e-6);
        }
      });
    }
  }

  it("refuses anything but a Float32Array", () => {
    expect(() => probe.tealReadProbe(new Uint16Array(128) as unknown as Float32Array)).toThrow(/tealReadProbe/);
  });
});
