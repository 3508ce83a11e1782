import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LinearLayer } from "@sieve/core";
import { loadCheckpoint } from "@sieve/model";
import { buildModel } from "./build-model.js";

const dir = mkdtempSync(join(tmpdir(), "sieve-compose-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("buildModel (the composition root)", () => {
  it("builds a dense model when there is no recipe", async () => {
    const { model, activation } = await buildModel(await loadCheckpoint("synth:test-tiny"));
    expect(activation).toBeUndefined();
    expect(model.tree.list<LinearLayer>("linear").every((s) => s.get().describe().kind === "dense")).toBe(true);
  });

  it("applies a TEAL recipe file: the named slots run TEAL layers and say so", async () => {
    const recipe = join(dir, "teal.json");
    const thresholds = { "layers.0.mlp.down_proj": 0.01, "layers.0.self_attn.o_proj": 0.01 };
    writeFileSync(recipe, JSON.stringify({ activation: { method: "teal", sparsity: 0.3, allocation: "uniform", thresholds } }));
    const { model, activation } = await buildModel(await loadCheckpoint("synth:test-tiny"), { recipe });
    expect(activation?.result.replaced.sort()).toEqual(Object.keys(thresholds).sort());
    for (const path of Object.keys(thresholds)) expect(model.tree.get<LinearLayer>(path).get().describe().kind).toBe("teal");
    expect(model.tree.get<LinearLayer>("layers.0.mlp.up_proj").get().describe().kind).toBe("dense");
  });

  it("names the file when a recipe cannot be read", async () => {
    await expect(buildModel(await loadCheckpoint("synth:test-tiny"), { recipe: join(dir, "missing.json") })).rejects.toThrow(/missing\.json/);
  });
});
