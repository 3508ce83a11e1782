import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { onlyJson, sieve, tempDir } from "./cli.fixture.js";

/**
 * Synthetic checkpoints ship no tokenizer: calibrating or pruning them (to benchmark a recipe on
 * real shapes) falls back to the byte tokenizer with a warning, like generate and eval do, and
 * writes no tokenizer of its own into the output directory.
 */
describe("sieve calibrate / prune on a model without a tokenizer (synth:test-tiny)", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await tempDir("calib-synth");
  });

  it("calibrate teal generates its samples through the byte tokenizer", async () => {
    const out = join(dir, "teal");
    const run = await sieve("calibrate", "teal", "--model", "synth:test-tiny", "--sparsity", "0.3", "--calib-generate", "2", "--seq-len", "16", "--out", out, "--json");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/has no tokenizer: using UTF-8 bytes/);
    expect(onlyJson(run)).toMatchObject({ method: "teal", recipe: { activation: { calibration: { samples: 2, source: "generated:dense-model" } } } });
    expect(existsSync(join(out, "activation-recipe.json"))).toBe(true);
    expect(existsSync(join(out, "tokenizer.json"))).toBe(false);
  });

  it("prune --method wanda does too", async () => {
    const run = await sieve("prune", "--model", "synth:test-tiny", "--method", "wanda", "--sparsity", "0.5", "--calib-generate", "2", "--seq-len", "16", "--out", join(dir, "pruned"), "--json");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/has no tokenizer: using UTF-8 bytes/);
  });
});
