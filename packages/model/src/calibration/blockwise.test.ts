import { DenseLinear, type LinearLayer } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { tinyModel } from "../generate/tiny-model.fixture.js";
import { runBlockwise } from "./blockwise.js";
import { collectBlockInputs, linearInputGroups } from "./linear-inputs.js";

const samples = [Int32Array.from([1, 5, 9, 3, 22, 7, 7, 30]), Int32Array.from([1, 12, 4, 4, 19])];

/** The input of block `layer` for one sample, from a full model.forward with a tap. */
function blockInputViaForward(model: ReturnType<typeof tinyModel>, tokens: Int32Array, layer: number): Float32Array {
  const kv = model.createKvCache(1, 16);
  let captured: Float32Array | undefined;
  const off = model.taps.on(`layers.${layer}.input`, (_p, x, rows, cols) => (captured = x.slice(0, rows * cols)));
  const n = tokens.length;
  model.forward(
    { tokens, positions: Int32Array.from({ length: n }, (_, i) => i), tokenSeq: new Int32Array(n), blockTable: Int32Array.from([0]), maxPagesPerSeq: 1, logitRows: Int32Array.from([n - 1]) },
    kv,
  );
  off();
  return captured!;
}

function zeroLinear(model: ReturnType<typeof tinyModel>, path: string): void {
  const slot = model.tree.get<LinearLayer>(path);
  const l = slot.get() as DenseLinear;
  slot.set(new DenseLinear(new Float32Array(l.outFeatures * l.inFeatures), "f32", l.outFeatures, l.inFeatures, null, () => model.backend));
}

describe("runBlockwise", () => {
  it("without updates, block by block equals the full forward pass", async () => {
    const model = tinyModel(2);
    const { hidden } = await runBlockwise(model, samples, { layers: 1 });
    for (let s = 0; s < samples.length; s++) {
      const expected = blockInputViaForward(model, samples[s]!, 1);
      for (let i = 0; i < expected.length; i++) expect(hidden[s]![i]).toBeCloseTo(expected[i]!, 4);
    }
  });

  it("feeds block k+1 the outputs of block k recomputed after its update", async () => {
    const model = tinyModel(2);
    const seen: number[] = [];
    const { hidden } = await runBlockwise(model, samples, {
      layers: 1,
      update: (layer) => {
        seen.push(layer);
        zeroLinear(model, `layers.${layer}.mlp.down_proj`);
      },
    });
    expect(seen).toEqual([0]);
    // The model now has block 0's MLP zeroed: the full forward agrees with the runner's output.
    const expected = blockInputViaForward(model, samples[0]!, 1);
    for (let i = 0; i < expected.length; i++) expect(hidden[0]![i]).toBeCloseTo(expected[i]!, 4);
  });

  it("collects each shared-input group once, over every calibration token", async () => {
    const model = tinyModel(3);
    expect(linearInputGroups(model, 0).map((g) => g.map((p) => p.split(".").pop()))).toEqual([["q_proj", "k_proj", "v_proj"], ["o_proj"], ["gate_proj", "up_proj"], ["down_proj"]]);
    const collectors = [0, 1].map((l) => collectBlockInputs(model, l, { gram: true }));
    await runBlockwise(model, samples, { listen: (layer, taps) => collectors[layer]!.listen(taps) });
    const stats = collectors[1]!.stats;
    expect(stats.get("layers.1.self_attn.q_proj")).toBe(stats.get("layers.1.self_attn.v_proj"));
    expect(stats.get("layers.1.self_attn.q_proj")!.rows).toBe(13);
    expect(stats.get("layers.1.mlp.down_proj")!.cols).toBe(48);
    expect(model.taps.active("layers.1.mlp.down_proj")).toBe(false);
  });
});
