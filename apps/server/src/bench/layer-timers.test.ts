import { Rng, type LinearLayer } from "@sieve/core";
import { applyActivationRecipe, applyDejaVu, LowRankPredictor, TealLinear, type ActivationRecipe, type DejaVuAttention, type DejaVuMlp } from "@sieve/activation-sparsity";
import { synthCheckpoint, type LlamaModel } from "@sieve/model";
import { compressCsr8, compressNm, sparseLinearOf } from "@sieve/weight-pruning";
import { describe, expect, it } from "vitest";
import { profileBatchedDecode } from "./batched-decode-profile.js";
import { buildBenchModel, type BenchModel } from "./bench-model.js";
import { profileDecode, type DecodeProfile } from "./decode-profile.js";
import { GreedySequence } from "./greedy-sequence.js";
import { LayerTimers } from "./layer-timers.js";
import { OpTimes, timingBackend } from "./op-profile.js";
import { profilePrefill } from "./prefill-profile.js";
import { decodeBytesPerToken } from "./roofline.js";

const PROJECTIONS = ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"];
const PROMPT = [1, 5, 9, 14];

const linears = (model: LlamaModel): LinearLayer[] => model.tree.list<LinearLayer>("linear").map((s) => s.get());

/** test-tiny with every linear slot (or every MLP, for CATS) given a recipe's sparse layer. */
async function sparseModel(method: "teal" | "cats"): Promise<BenchModel> {
  const target = await buildBenchModel(synthCheckpoint("test-tiny", "f32", 5));
  const kind = method === "teal" ? "linear" : "mlp";
  const thresholds = Object.fromEntries(target.model.tree.list(kind).map((s) => [s.path, 0.05]));
  const recipe = { activation: { method, sparsity: 0.3, thresholds, ...(method === "teal" ? { allocation: "uniform" } : {}) } } as ActivationRecipe;
  applyActivationRecipe(target.model, recipe);
  return target;
}

/** Greedy tokens after PROMPT, on whatever backend and layers the model has now. */
function greedy(model: LlamaModel, steps = 8): number[] {
  const runner = new GreedySequence(model, PROMPT.length + steps + 1);
  try {
    const out = [runner.argmax(runner.seq.prefill(PROMPT))];
    for (let i = 1; i < steps; i++) out.push(runner.argmax(runner.seq.decode(out[i - 1]!)));
    return out;
  } finally {
    runner.release();
  }
}

/** The shares add up to the wall time: nothing is counted twice (else "js", clamped at 0, could not make up the rest). */
function expectNoDoubleCounting(profile: Pick<DecodeProfile, "breakdown">): void {
  const percent = profile.breakdown.reduce((s, b) => s + b.percent, 0);
  expect(percent).toBeGreaterThan(99.9);
  expect(percent).toBeLessThan(100.1);
}

const partMs = (profile: Pick<DecodeProfile, "breakdown">, part: string): number => profile.breakdown.find((b) => b.part === part)?.msPerToken ?? 0;

describe("profiling non-dense linears (layer timers)", () => {
  it("a TEAL model's linears count as linears, by projection, not as js", async () => {
    const { model, backend } = await sparseModel("teal");
    expect(linears(model).every((l) => l instanceof TealLinear)).toBe(true);
    const profile = profileDecode(model, backend, PROMPT, 8, decodeBytesPerToken(model));
    expect(Object.keys(profile.projections).sort()).toEqual([...PROJECTIONS, "lm_head"].sort());
    for (const name of PROJECTIONS) expect(profile.projections[name]!.msPerToken).toBeGreaterThan(0);
    const c = model.config;
    expect(profile.ops["linear:teal"]!.callsPerToken).toBe(7 * c.nLayers);
    expect(profile.ops["lm_head:dense"]!.callsPerToken).toBe(1);
    // The LM head's gemv is inside its timed forward: an op row of its own, not a second lm_head share.
    expect(profile.ops.gemv!.callsPerToken).toBe(1);
    expect(partMs(profile, "linear")).toBeGreaterThan(0);
    expectNoDoubleCounting(profile);
  });

  it("js is not where TEAL's time goes: its linears take a share like dense linears do", async () => {
    const dense = await buildBenchModel(synthCheckpoint("test-tiny", "f32", 5));
    const teal = await sparseModel("teal");
    // Best of 3, as the benchmarks do: a busy machine's pauses land in js or in one kernel call.
    const best = (target: BenchModel, score: (p: DecodeProfile) => number): number =>
      Math.max(...[0, 1, 2].map(() => score(profileDecode(target.model, target.backend, PROMPT, 32, decodeBytesPerToken(target.model)))));
    // Untimed, TEAL's linears were all js (linear 0). On test-tiny the model code is most of a
    // step even when dense (~60% js), so the checks are relative, with wide margins.
    expect(best(teal, (p) => partMs(p, "linear") / partMs(p, "js"))).toBeGreaterThan(0.1);
    const denseLinear = -best(dense, (p) => -partMs(p, "linear"));
    expect(best(teal, (p) => partMs(p, "linear"))).toBeGreaterThan(0.25 * denseLinear);
  });

  it("restores every forward (the prototype's method again) and leaves the tokens as they were", async () => {
    const { model, backend } = await sparseModel("teal");
    const before = greedy(model);
    const times = new OpTimes();
    const plain = backend.current;
    backend.current = timingBackend(plain, model, times);
    const profiled = new LayerTimers(model, times).around(() => {
      expect(Object.hasOwn(linears(model)[0]!, "forward")).toBe(true);
      return greedy(model);
    });
    backend.current = plain;
    expect(profiled).toEqual(before);
    profileDecode(model, backend, PROMPT, 4, decodeBytesPerToken(model));
    profilePrefill(model, backend, [1, 2, 3, 4, 5, 6]);
    for (const layer of [...linears(model), model.lmHead]) {
      expect(Object.hasOwn(layer, "forward")).toBe(false);
      expect(layer.forward).toBe(Object.getPrototypeOf(layer).forward);
    }
    expect(greedy(model)).toEqual(before);
    expect(times.byProjection.get("q_proj")).toBeGreaterThan(0);
  });

  it("puts an own forward back, even when the profiled pass throws", async () => {
    const { model, backend } = await buildBenchModel(synthCheckpoint("test-tiny", "f32", 5));
    const slot = model.tree.get<LinearLayer>("layers.1.mlp.down_proj");
    const inner = slot.get();
    const failing = (): void => {
      throw new Error("boom");
    };
    const layer: LinearLayer = { inFeatures: inner.inFeatures, outFeatures: inner.outFeatures, forward: failing, describe: () => ({ ...inner.describe(), kind: "opaque" }) };
    slot.set(layer);
    expect(() => profileDecode(model, backend, PROMPT, 4, decodeBytesPerToken(model))).toThrow("boom");
    expect(layer.forward).toBe(failing);
    expect(Object.hasOwn(model.lmHead, "forward")).toBe(false);
    expect(Object.hasOwn(inner, "forward")).toBe(false);
    expect(Object.hasOwn(linears(model)[0]!, "forward")).toBe(false);
  });

  it("pruned packed linears (csr8, 2:4) are timed under their kind", async () => {
    const { model, backend } = await buildBenchModel(synthCheckpoint("test-tiny", "f32", 5));
    const rng = new Rng(3);
    for (const slot of model.tree.list<LinearLayer>("linear")) {
      const d = slot.get() as LinearLayer & { weight: Float32Array };
      const dense = { data: d.weight, dtype: "f32" as const, rows: d.outFeatures, cols: d.inFeatures };
      if (slot.path.endsWith("up_proj")) {
        const mask = Uint8Array.from({ length: d.weight.length }, () => (rng.next() < 0.5 ? 1 : 0));
        slot.set(sparseLinearOf(compressCsr8(dense, mask, "f32"), null, backend.get));
      } else if (slot.path.endsWith("q_proj")) {
        const mask = Uint8Array.from({ length: d.weight.length }, (_, i) => (i % 4 < 2 ? 1 : 0));
        slot.set(sparseLinearOf(compressNm(dense, mask, { n: 2, m: 4 }, "f32"), null, backend.get));
      }
    }
    const before = greedy(model);
    const profile = profileDecode(model, backend, PROMPT, 8, decodeBytesPerToken(model));
    const c = model.config;
    expect(profile.ops["linear:csr8"]!.callsPerToken).toBe(c.nLayers);
    expect(profile.ops["linear:nm-2:4"]!.callsPerToken).toBe(c.nLayers);
    expect(profile.ops["linear:dense"]!.callsPerToken).toBe(5 * c.nLayers);
    // gemv runs inside the dense linears and the LM head only.
    expect(profile.ops.gemv!.callsPerToken).toBe(5 * c.nLayers + 1);
    expect(profile.projections.up_proj!.msPerToken).toBeGreaterThan(0);
    expect(profile.projections.q_proj!.msPerToken).toBeGreaterThan(0);
    expectNoDoubleCounting(profile);
    expect(greedy(model)).toEqual(before);
  });

  it("a CATS MLP is timed as projection mlp, its gate as gate_proj, and restored", async () => {
    const { model, backend } = await sparseModel("cats");
    const before = greedy(model);
    const profile = profileDecode(model, backend, PROMPT, 8, decodeBytesPerToken(model));
    const c = model.config;
    expect(profile.ops["mlp:cats"]!.callsPerToken).toBe(c.nLayers);
    expect(profile.projections.mlp!.msPerToken).toBeGreaterThan(0);
    expect(profile.projections.mlp!.gbs).toBeGreaterThan(0);
    expect(profile.projections.gate_proj!.msPerToken).toBeGreaterThan(0);
    // CatsMlp reads up and down itself at batch 1 (one fused kernel): their slots never run.
    expect(profile.projections.up_proj).toBeUndefined();
    expect(profile.projections.down_proj).toBeUndefined();
    // silu keeps its own category: a module's row is only what nothing inside it counted.
    expect(partMs(profile, "elementwise")).toBeGreaterThan(0);
    expectNoDoubleCounting(profile);
    for (const slot of model.tree.list("mlp")) expect(Object.hasOwn(slot.get() as object, "forward")).toBe(false);
    expect(greedy(model)).toEqual(before);
  });

  it("DejaVu: its sparse kernels count as linears (mlp, q_proj, o_proj); its selection code stays js", async () => {
    const { model, backend } = await buildBenchModel(synthCheckpoint("test-tiny", "f32", 5));
    const c = model.config;
    const rng = new Rng(7);
    const blocks = Array.from({ length: c.nLayers }, () => ({ mlp: LowRankPredictor.init(c.dim, 8, c.hiddenDim, rng), attention: LowRankPredictor.init(c.dim, 8, c.nHeads, rng) }));
    const shape = { dim: c.dim, hiddenDim: c.hiddenDim, nHeads: c.nHeads, nLayers: c.nLayers };
    applyDejaVu(model, { shape, blocks, budgets: { mlp: 0.5, heads: 0.5 }, info: {} });
    const kernelMethods = (m: LlamaModel): unknown[] =>
      m.layers.flatMap((b) => [(b.mlp as DejaVuMlp).kernel!.run, (b.attn as DejaVuAttention).kernel!.query, (b.attn as DejaVuAttention).kernel!.output]);
    const methods = kernelMethods(model);
    const before = greedy(model);
    const profile = profileDecode(model, backend, PROMPT, 8, decodeBytesPerToken(model));
    // Batch-1 decode runs the sparse path in every block: the dense q/o/gate/up/down never run.
    expect(profile.ops["mlp:dejavu-swiglu"]!.callsPerToken).toBe(c.nLayers);
    expect(profile.ops["linear:dejavu-heads"]!.callsPerToken).toBe(2 * c.nLayers);
    expect(profile.ops["linear:dense"]!.callsPerToken).toBe(2 * c.nLayers);
    for (const name of ["mlp", "q_proj", "k_proj", "v_proj", "o_proj"]) expect(profile.projections[name]!.msPerToken).toBeGreaterThan(0);
    expect(profile.projections.gate_proj).toBeUndefined();
    // The predictors' gemv runs outside any linear: attributed by weight, as before ("other").
    expect(profile.projections.other!.msPerToken).toBeGreaterThan(0);
    expectNoDoubleCounting(profile);
    // The kernels' methods are own properties (object literals): the same functions are back.
    kernelMethods(model).forEach((f, i) => expect(f).toBe(methods[i]));
    expect(greedy(model)).toEqual(before);
  });

  it("the batched decode profile times TEAL linears too", async () => {
    const target = await sparseModel("teal");
    const profiles = profileBatchedDecode(target, [1, 3], 4, 6);
    const c = target.model.config;
    for (const p of profiles) {
      expect(p.ops["linear:teal"]!.callsPerStep).toBe(7 * c.nLayers);
      expect(partMs(p, "linear")).toBeGreaterThan(0);
      expectNoDoubleCounting(p);
    }
    for (const layer of linears(target.model)) expect(Object.hasOwn(layer, "forward")).toBe(false);
  });
});
