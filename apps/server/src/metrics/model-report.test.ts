/** Per-layer sparsity from describe() and achievedSparsity(), in the metrics and the dashboard JSON. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../http/server.fixture.js";
import { loadEngineModel } from "../engine/index.js";
import { reportModelSparsity } from "./model-report.js";
import { engineWithSparseLayers } from "./sparse-layers.fixture.js";

describe("reportModelSparsity", () => {
  it("describes every linear slot of a dense model as dense, 0% sparse, with no run-time reports", async () => {
    const { model } = await loadEngineModel("synth:test-tiny");
    const report = reportModelSparsity(model);
    expect(report.linears).toHaveLength(2 * 7);
    expect(report.linears[0]).toMatchObject({ path: expect.stringMatching(/layers\.0\.self_attn\.q_proj$/), layer: 0, kind: "dense", weightSparsity: 0 });
    expect(report.achieved).toEqual([]);
    expect(report.overallWeightSparsity).toBe(0);
  });

  it("weights the overall sparsity by layer size and collects what reporters measured", async () => {
    const engine = await engineWithSparseLayers();
    const report = reportModelSparsity(engine.core.loaded.model);
    expect(report.linears.every((l) => l.kind === "test-sparse")).toBe(true);
    expect(report.achieved.map((a) => [a.layer, a.kind, a.fraction])).toEqual([[0, "activation", 0.4], [1, "activation", 0.4]]);
    const sizes = report.linears.map((l) => l.inFeatures * l.outFeatures);
    const expected = report.linears.reduce((s, l, i) => s + l.weightSparsity * sizes[i]!, 0) / sizes.reduce((a, b) => a + b, 0);
    expect(report.overallWeightSparsity).toBeCloseTo(expected, 12);
  });
});

describe("sparsity in /metrics and /api/dashboard (engine on this thread)", () => {
  let t: TestServer;
  beforeAll(async () => {
    const engine = await engineWithSparseLayers();
    t = await startTestServer({ model: "synth:test-tiny", createEngine: async () => engine });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("exposes per-layer weight and activation sparsity gauges; KV sparsity stays absent", async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/^sieve:model_weight_sparsity\{model_name="synth:test-tiny"\} 0\.\d+$/m);
    expect(text).toMatch(/^sieve:weight_sparsity\{model_name="synth:test-tiny",layer="layers\.1\.mlp\.down_proj",kind="test-sparse"\} 0\.70*1?$/m);
    expect(text).toMatch(/^sieve:activation_sparsity\{model_name="synth:test-tiny",layer="layers\.0\.mlp\.down_proj"\} 0\.4$/m);
    expect(text).not.toMatch(/^sieve:kv_sparsity\{/m);
  });

  it("gives the dashboard the per-layer view", async () => {
    const data = (await (await fetch(`${t.url}/api/dashboard`)).json()) as { sparsity: { available: boolean; linears: unknown[]; achieved: unknown[] }; model: { synthetic: boolean } };
    expect(data.model.synthetic).toBe(true);
    expect(data.sparsity.available).toBe(true);
    expect(data.sparsity.linears).toHaveLength(14);
    expect(data.sparsity.achieved).toHaveLength(2);
  });
});
