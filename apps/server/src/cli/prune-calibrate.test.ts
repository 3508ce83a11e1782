import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { haveAssets, onlyJson, sieve, STORIES_BIN, tempDir, TINYSTORIES_TEXT } from "./cli.fixture.js";

const TOKENIZER = join(STORIES_BIN, "..", "tok512.bin");
const model = ["--model", STORIES_BIN, "--tokenizer", TOKENIZER];
const calib = ["--calib-generate", "4", "--seq-len", "64"];

/**
 * The offline technique commands end to end on stories260K: prune and calibrate write
 * checkpoints that every other command loads with --model DIR, and that report what they run.
 */
describe.skipIf(!haveAssets())("sieve prune and sieve calibrate (stories260K)", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await tempDir("techniques");
  });

  it("prune --pattern 2:4 writes a packed checkpoint whose layers are 2:4, and it evaluates", async () => {
    const out = join(dir, "pruned");
    const run = await sieve("prune", ...model, "--method", "wanda", "--pattern", "2:4", ...calib, "--out", out, "--json");
    expect(run.code, run.stderr).toBe(0);
    expect(onlyJson(run)).toMatchObject({ out, recipe: { method: "wanda", pattern: "2:4" } });
    const inspected = onlyJson(await sieve("inspect", "--model", out, "--json"));
    const layers = JSON.stringify(inspected);
    expect(layers).toContain("nm-2:4");
    // The pruned directory carries the tokenizer as tokenizer.json; an explicit --tokenizer still wins.
    const evaluated = onlyJson(await sieve("eval", "--model", out, "--tokenizer", TOKENIZER, "--data", TINYSTORIES_TEXT, "--json"));
    expect(evaluated.tokens).toBe(14829);
    expect(evaluated.ppl as number).toBeGreaterThan(3.4); // pruning costs quality...
    expect(evaluated.ppl as number).toBeLessThan(400); // ...but the model still works
  });

  it("calibrate teal writes a checkpoint that loads with its thresholds applied", async () => {
    const out = join(dir, "teal");
    const run = await sieve("calibrate", "teal", ...model, "--sparsity", "0.3", ...calib, "--out", out, "--json");
    expect(run.code, run.stderr).toBe(0);
    const recipe = (onlyJson(run).recipe as { activation: { method: string; thresholds: Record<string, number> } }).activation;
    expect(recipe.method).toBe("teal");
    expect(Object.keys(recipe.thresholds).length).toBe(5 * 7);
    expect(JSON.stringify(onlyJson(await sieve("inspect", "--model", out, "--json")))).toContain("teal");
  });

  it("calibrate teal --allocation greedy --greedy-samples N measures the paths on N samples", async () => {
    const out = join(dir, "teal-greedy");
    const run = await sieve("calibrate", "teal", ...model, "--sparsity", "0.3", "--allocation", "greedy", "--greedy-samples", "2", ...calib, "--out", out, "--json");
    expect(run.code, run.stderr).toBe(0);
    const recipe = (onlyJson(run).recipe as { activation: { allocation: string; calibration: Record<string, unknown> } }).activation;
    expect(recipe.allocation).toBe("greedy");
    expect(recipe.calibration).toMatchObject({ samples: 4, greedySamples: 2 });
  });

  it("rejects contradictory flags with a clear message", async () => {
    const run = await sieve("prune", ...model, "--sparsity", "0.5", "--pattern", "2:4", "--out", join(dir, "x"));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/exactly one of --sparsity or --pattern/);
    const bad = await sieve("calibrate", "nope", ...model, "--sparsity", "0.5", "--out", join(dir, "y"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown method/);
    const notGreedy = await sieve("calibrate", "teal", ...model, "--sparsity", "0.3", "--greedy-samples", "2", "--out", join(dir, "z"));
    expect(notGreedy.code).toBe(1);
    expect(notGreedy.stderr).toMatch(/--greedy-samples applies only to/);
  });
});
