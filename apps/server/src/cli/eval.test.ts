import { beforeAll, describe, expect, it } from "vitest";
import { fewStories, haveAssets, onlyJson, sieve, STORIES_BIN, STORIES_GGUF } from "./cli.fixture.js";

describe.runIf(haveAssets())("sieve eval on stories260K", () => {
  let data = "";
  beforeAll(async () => {
    data = await fewStories(4);
  });

  it("prints the NLL and perplexity", async () => {
    const run = await sieve("eval", "--model", STORIES_BIN, "--data", data);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^nll \d+\.\d{4} nats\/token {2}ppl \d+\.\d{4}/);
  });

  it("--json gives tokens, nll and ppl; the NLL is near the model's reported 1.30 nats/token", async () => {
    const out = onlyJson(await sieve("eval", "--model", STORIES_BIN, "--data", data, "--ctx", "512", "--json"));
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["tokens", "nll", "ppl"]));
    expect(out.tokens as number).toBeGreaterThan(500);
    expect(out.nll as number).toBeGreaterThan(0.9);
    expect(out.nll as number).toBeLessThan(1.7);
    expect(out.ppl as number).toBeCloseTo(Math.exp(out.nll as number), 6);
    expect(out.bos).toBe("per-document");
  });

  it("--compare with the same weights as GGUF gives KL ~ 0 and full top-1 agreement", async () => {
    const out = onlyJson(await sieve("eval", "--model", STORIES_BIN, "--data", data, "--ctx", "128", "--compare", STORIES_GGUF, "--json"));
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["tokens", "nll", "ppl", "kl", "top1_agreement"]));
    expect(out.kl as number).toBeLessThan(1e-6);
    expect(out.top1_agreement).toBe(1);
  });

  it("rejects a --ctx beyond the model's context", async () => {
    const run = await sieve("eval", "--model", STORIES_BIN, "--data", data, "--ctx", "4096");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--ctx 4096 exceeds the model's context of 512/);
  });
});
