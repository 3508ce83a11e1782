/**
 * Fused TEAL linears (TealLinear.fuse): members of one input give exactly what they give unfused,
 * whatever the call order; the threshold, denseAbove and counters stay per member as seen from
 * outside; applyActivationRecipe fuses q/k/v and gate/up unless told not to, and refuses a recipe
 * that gives the members of a fused group different thresholds.
 */
import { describe, expect, it } from "vitest";
import { DenseLinear, referenceBackend, type KernelBackend, type LinearLayer, type WeightDType } from "@sieve/core";
import { LlamaModel, synthCheckpoint } from "@sieve/model";
import { Rng, nativeOrNull, normalThreshold, randomVector, randomWeight, relativeError, thresholded } from "../kernels/native.fixture.js";
import { applyActivationRecipe } from "../recipe/apply.js";
import type { ActivationRecipe } from "../recipe/types.js";
import { TealLinear } from "./teal-linear.js";

const native = nativeOrNull();
const backends: Array<[string, KernelBackend]> = [["reference", referenceBackend]];
if (native) backends.push(["native", native]);

function dense(rng: Rng, out: number, inF: number, dtype: WeightDType, backend: KernelBackend, bias: boolean): DenseLinear {
  const w = randomWeight(rng, out * inF, dtype);
  return new DenseLinear(w.data, dtype, out, inF, bias ? randomVector(rng, out) : null, () => backend);
}

describe("TealLinear.fuse", () => {
  for (const [name, backend] of backends) {
    it(`members equal the dense layers on the thresholded input, in any call order (${name})`, () => {
      const rng = new Rng(31);
      for (const dtype of ["f32", "f16"] as WeightDType[]) {
        const inF = 70;
        // q/k/v-like widths (one odd), one member with a bias and two without.
        const layers = [dense(rng, 48, inF, dtype, backend, false), dense(rng, 9, inF, dtype, backend, true), dense(rng, 16, inF, dtype, backend, false)];
        const t = normalThreshold(0.5);
        const fused = TealLinear.fuse(layers.map((l) => TealLinear.fromDense(l, t, () => backend, { denseAbove: 4 })));
        for (const rows of [1, 3, 9]) {
          for (const order of [[0, 1, 2], [2, 0, 1], [1, 1, 2, 0]]) {
            const x = randomVector(rng, rows * inF);
            for (const m of order) {
              const expected = new Float32Array(rows * layers[m]!.outFeatures);
              layers[m]!.forward(expected, thresholded(x, t), rows);
              const got = new Float32Array(expected.length).fill(Number.NaN);
              fused[m]!.forward(got, x, rows);
              expect(relativeError(got, expected), `${dtype} rows=${rows} member ${m}`).toBeLessThan(2e-5);
            }
          }
        }
        // A different input with the same shape is a new product, not the cached one.
        const x1 = randomVector(rng, inF);
        const x2 = randomVector(rng, inF);
        const a = new Float32Array(48);
        const b = new Float32Array(48);
        fused[0]!.forward(a, x1, 1);
        fused[0]!.forward(b, x2, 1);
        const expected = new Float32Array(48);
        layers[0]!.forward(expected, thresholded(x2, t), 1);
        expect(relativeError(b, expected)).toBeLessThan(2e-5);
        // The same array changed in place (a reused scratch), in its last element only: a pending
        // member recomputes instead of taking the stale product.
        {
          const xs = randomVector(rng, inF);
          fused[0]!.forward(new Float32Array(48), xs, 1);
          xs[inF - 1] = 7;
          const got = new Float32Array(9).fill(Number.NaN);
          fused[1]!.forward(got, xs, 1);
          const want = new Float32Array(9);
          layers[1]!.forward(want, thresholded(xs, t), 1);
          expect(relativeError(got, want)).toBeLessThan(2e-5);
          fused[2]!.forward(new Float32Array(16), xs, 1);
        }
      }
    });
  }

  it("serves each product once per member: the same input again (a rewound step) runs the kernel again", () => {
    const rng = new Rng(33);
    const layers = [dense(rng, 8, 16, "f32", referenceBackend, false), dense(rng, 8, 16, "f32", referenceBackend, false)];
    const fused = TealLinear.fuse(layers.map((l) => TealLinear.fromDense(l, 0, () => referenceBackend)));
    const x = randomVector(rng, 16);
    const first = [new Float32Array(8), new Float32Array(8)];
    fused[0]!.forward(first[0]!, x, 1);
    fused[1]!.forward(first[1]!, x, 1);
    // The placeholder weight of a member is a view of the fused weight: zero it, so that a rerun shows.
    fused[0]!.weightT.fill(0);
    const again = new Float32Array(8);
    fused[1]!.forward(again, x, 1);
    expect(relativeError(again, first[1]!)).toBeGreaterThan(0.01);
  });

  it("shares threshold and denseAbove across members, keeps counters and byte shares per member", () => {
    const rng = new Rng(32);
    const layers = [dense(rng, 20, 32, "f32", referenceBackend, false), dense(rng, 12, 32, "f32", referenceBackend, false)];
    const fused = TealLinear.fuse(layers.map((l) => TealLinear.fromDense(l, 0.5, () => referenceBackend)));
    fused[1]!.threshold = 0.8;
    expect(fused[0]!.threshold).toBe(0.8);
    fused[0]!.denseAbove = 7;
    expect(fused[1]!.denseAbove).toBe(7);
    const x = randomVector(rng, 32);
    const got = new Float32Array(12);
    fused[1]!.forward(got, x, 1);
    const expected = new Float32Array(12);
    layers[1]!.forward(expected, thresholded(x, 0.8), 1);
    expect(relativeError(got, expected)).toBeLessThan(2e-5);
    expect(fused[1]!.counter.calls).toBe(1);
    expect(fused[0]!.counter.calls).toBe(0);
    expect(fused.map((f) => f.describe().bytes)).toEqual([20 * 32 * 4, 12 * 32 * 4]);
    expect(fused[0]!.describe().kernel).toMatch(/one call for the 2 linears of this input/);
    expect(fused[0]!.fusedWith).toBe(2);
    expect(() => TealLinear.fuse(fused)).toThrow(/already fused/);
    const other = TealLinear.fromDense(dense(rng, 4, 32, "f32", referenceBackend, false), 0.1, () => referenceBackend);
    expect(() => TealLinear.fuse([TealLinear.fromDense(layers[0]!, 0.5, () => referenceBackend), other])).toThrow(/share one threshold/);
  });
});

describe("applyActivationRecipe and fused groups", () => {
  function recipe(model: LlamaModel, threshold: (path: string) => number): ActivationRecipe {
    const thresholds = Object.fromEntries(model.tree.list("linear").map((s) => [s.path, threshold(s.path)] as const));
    return { activation: { method: "teal", sparsity: 0.5, allocation: "uniform", thresholds } };
  }
  const fusedWith = (model: LlamaModel, path: string): number => (model.tree.get<LinearLayer>(path).get() as TealLinear).fusedWith;

  it("fuses q/k/v and gate/up by default, leaves o and down alone, and keeps the logits", () => {
    const checkpoint = synthCheckpoint("test-tiny");
    const separate = new LlamaModel(checkpoint.config, checkpoint.weights);
    const model = new LlamaModel(checkpoint.config, checkpoint.weights);
    applyActivationRecipe(separate, recipe(separate, () => 0.01), { fuseSharedInputs: false });
    applyActivationRecipe(model, recipe(model, () => 0.01));
    expect(fusedWith(separate, "layers.0.self_attn.k_proj")).toBe(1);
    expect(fusedWith(model, "layers.0.self_attn.k_proj")).toBe(3);
    expect(fusedWith(model, "layers.1.mlp.up_proj")).toBe(2);
    expect(fusedWith(model, "layers.0.self_attn.o_proj")).toBe(1);
    expect(fusedWith(model, "layers.0.mlp.down_proj")).toBe(1);
    expect(model.weightBytes).toBe(separate.weightBytes);
    const tokens = Int32Array.from([1, 5, 9, 200]);
    const forward = (m: LlamaModel): Float32Array =>
      m.forward(
        { tokens, positions: Int32Array.from(tokens, (_, i) => i), tokenSeq: new Int32Array(4), blockTable: Int32Array.from({ length: 4 }, (_, i) => i), maxPagesPerSeq: 4, logitRows: Int32Array.from([3]) },
        m.createKvCache(4, 16),
      ).slice();
    expect(relativeError(forward(model), forward(separate))).toBeLessThan(1e-5);
    // Updating with one threshold per group keeps the groups; different ones within a group are refused.
    applyActivationRecipe(model, recipe(model, () => 0.02));
    expect(fusedWith(model, "layers.0.self_attn.k_proj")).toBe(3);
    expect((model.tree.get<LinearLayer>("layers.0.self_attn.q_proj").get() as TealLinear).threshold).toBe(0.02);
    expect(() => applyActivationRecipe(model, recipe(model, (p) => (p.endsWith("k_proj") ? 0.5 : 0.02)))).toThrow(/share one threshold/);
  });
});
