import { describe, expect, it } from "vitest";
import { pruneStructured } from "./structured.js";
import { lastLogits, tinyModel, tinySamples } from "./tiny-model.fixture.js";

const calibration = tinySamples(3, 20);
const probe = tinySamples(1, 12, 77)[0]!;

describe("pruneStructured", () => {
  it("MLP channels: hiddenDim shrinks in every block and the new model runs", async () => {
    const model = tinyModel(1);
    const r = await pruneStructured(model, { kind: "mlp-channels", ratio: 0.25 }, { calibration });
    expect(r.config.hiddenDim).toBe(36);
    expect(r.weights.get("model.layers.2.mlp.gate_proj.weight")!.shape).toEqual([36, 32]);
    expect(r.weights.get("model.layers.2.mlp.down_proj.weight")!.shape).toEqual([32, 36]);
    expect(r.report.removed.every((l) => l.length === 12)).toBe(true);
    expect(r.report.parametersAfter).toBe(r.report.parametersBefore - 3 * 3 * 12 * 32);
    expect(lastLogits(r.model, probe).every(Number.isFinite)).toBe(true);
    expect(model.config.hiddenDim).toBe(48);
  });

  it("attention heads by KV group: whole groups leave, GQA stays valid, the model runs", async () => {
    const model = tinyModel(2);
    const r = await pruneStructured(model, { kind: "attention-heads", ratio: 0.5 }, { calibration, reconstruct: true });
    expect([r.config.nHeads, r.config.nKvHeads]).toEqual([2, 1]);
    expect(r.weights.get("model.layers.0.self_attn.q_proj.weight")!.shape).toEqual([16, 32]);
    expect(r.weights.get("model.layers.0.self_attn.k_proj.weight")!.shape).toEqual([8, 32]);
    expect(r.weights.get("model.layers.0.self_attn.o_proj.weight")!.shape).toEqual([32, 16]);
    expect(lastLogits(r.model, probe).every(Number.isFinite)).toBe(true);
  });

  it("attention heads per group: query heads leave each group, KV heads stay", async () => {
    const r = await pruneStructured(tinyModel(3), { kind: "attention-heads", ratio: 0.5, unit: "query-head" }, { calibration });
    expect([r.config.nHeads, r.config.nKvHeads]).toEqual([2, 2]);
    expect(lastLogits(r.model, probe).every(Number.isFinite)).toBe(true);
  });

  it("blocks: the least influential block is removed and the rest renumbered", async () => {
    const model = tinyModel(4);
    const r = await pruneStructured(model, { kind: "blocks", count: 1 }, { calibration });
    expect(r.config.nLayers).toBe(2);
    expect(r.report.blockInfluence).toHaveLength(3);
    const dropped = r.report.removed[0]![0]!;
    expect(r.report.blockInfluence![dropped]).toBe(Math.min(...r.report.blockInfluence!));
    expect(r.weights.has("model.layers.2.mlp.up_proj.weight")).toBe(false);
    const keptFirst = dropped === 0 ? 1 : 0;
    expect(r.weights.get("model.layers.0.mlp.up_proj.weight")!.data).toBe((model.tree.get(`layers.${keptFirst}.mlp.up_proj`).get() as { weight: Float32Array }).weight);
    expect(lastLogits(r.model, probe).every(Number.isFinite)).toBe(true);
  });
});
