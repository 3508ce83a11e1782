import { describe, expect, it } from "vitest";
import { onlyJson, sieve } from "./cli.fixture.js";

// Tests never assert on wall time (DESIGN.md): only on the shape and the arithmetic of the report.
describe("sieve bench (test-tiny)", () => {
  it("--json reports rates, the roofline inputs, memory, backend and kernels", async () => {
    const run = await sieve("bench", "--model", "synth:test-tiny", "--prompt-tokens", "4", "--gen-tokens", "8", "--prefill-tokens", "32", "--profile", "--json");
    expect(run.code).toBe(0);
    const out = onlyJson(run);
    for (const key of ["prefill_tok_s", "decode_tok_s", "roofline_decode_tok_s", "weight_bytes", "threads", "peak_rss_bytes", "load_ms", "backend", "kernels", "bytes_per_token", "read_bandwidth_gbs"]) {
      expect(out).toHaveProperty(key);
    }
    expect(out.decode_tok_s as number).toBeGreaterThan(0);
    expect(out.prefill_tok_s as number).toBeGreaterThan(0);
    // test-tiny: 2 layers of q,k,v,o (64x64, 32x64, 32x64, 64x64) and gate, up, down (160x64 x3), untied 256x64 head, f32.
    const linears = 2 * 4 * (64 * 64 * 2 + 32 * 64 * 2 + 160 * 64 * 3);
    expect(out.bytes_per_token).toBe(linears + 256 * 64 * 4 + 64 * 4);
    if (out.read_bandwidth_gbs !== null) {
      // The report rounds the bandwidth to 0.01 GB/s; the roofline is computed before rounding.
      const expected = ((out.read_bandwidth_gbs as number) * 1e9) / (out.bytes_per_token as number);
      expect(Math.abs((out.roofline_decode_tok_s as number) / expected - 1)).toBeLessThan(1e-3);
    }
    const profile = out.profile as { breakdown: Array<{ part: string; percent: number }> };
    const parts = profile.breakdown.map((b) => b.part);
    expect(parts).toEqual(expect.arrayContaining(["linear", "lm_head", "attention", "norm", "js"]));
  });
});
