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

  it("--concurrency and --shared-prefix add runs and prefix_cache to the bench object (engine on its worker thread)", async () => {
    const run = await sieve(
      "bench", "--model", "synth:test-tiny", "--prompt-tokens", "4", "--gen-tokens", "5", "--prefill-tokens", "0",
      "--concurrency", "1,3", "--requests-per-level", "3", "--shared-prefix", "32", "--shared-prefix-requests", "4", "--shared-prefix-concurrency", "2", "--json",
    );
    expect(run.code).toBe(0);
    const out = onlyJson(run);
    // The batch-1 keys stay; the concurrency ones are added.
    expect(out).toHaveProperty("decode_tok_s");
    const runs = out.runs as Array<Record<string, number>>;
    expect(runs.map((r) => [r.concurrency, r.requests, r.generated_tokens])).toEqual([[1, 3, 15], [3, 3, 15]]);
    for (const r of runs) expect(Object.keys(r)).toEqual(expect.arrayContaining(["throughput_tok_s", "ttft_ms_p50", "ttft_ms_p99", "itl_ms_p50", "itl_ms_p99"]));
    expect(out.concurrency).toMatchObject({ engine: expect.stringContaining("EngineClient"), prompt_tokens: 4, gen_tokens: 5 });
    const p = out.prefix_cache as Record<string, number>;
    expect(p.hit_rate).toBeGreaterThan(0);
    expect(p.hit_rate_off).toBe(0);
  });

  it("rejects a malformed --concurrency list, naming the flag", async () => {
    const run = await sieve("bench", "--model", "synth:test-tiny", "--concurrency", "1,x", "--json");
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("--concurrency");
  });
});
