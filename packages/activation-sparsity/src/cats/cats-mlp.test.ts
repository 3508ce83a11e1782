/**
 * CatsMlp equals the SwiGLU MLP with each row's neurons below the threshold dropped, on every
 * path (fused batch-1, sparse batched, dense above denseAbove) and both backends.
 */
import { describe, expect, it } from "vitest";
import { ActivationTaps, DenseLinear, referenceBackend, type KernelBackend, type WeightDType } from "@sieve/core";
import { Scratch, SwiGluMlp, type StepContext } from "@sieve/model";
import { Rng, nativeOrNull, randomVector, randomWeight, relativeError } from "../kernels/native.fixture.js";
import { CatsMlp } from "./cats-mlp.js";

const native = nativeOrNull();
const backends: Array<[string, KernelBackend]> = [["reference", referenceBackend]];
if (native) backends.push(["native", native]);

function swiglu(rng: Rng, dim: number, hidden: number, dtype: WeightDType, backend: KernelBackend): SwiGluMlp {
  const linear = (out: number, inF: number): DenseLinear => new DenseLinear(randomWeight(rng, out * inF, dtype).data, dtype, out, inF, null, () => backend);
  return new SwiGluMlp("layers.0.mlp", linear(hidden, dim), linear(hidden, dim), linear(dim, hidden));
}

function context(backend: KernelBackend, rows: number, taps = new ActivationTaps()): StepContext {
  return { layer: 0, rows, backend, scratch: new Scratch(), taps } as unknown as StepContext;
}

/** The dense MLP with dropped neurons zeroed: down(mask(silu(gate x)) * up x). */
function maskedDense(mlp: SwiGluMlp, x: Float32Array, rows: number, t: number): Float32Array {
  const h = mlp.hiddenDim;
  const g = new Float32Array(rows * h);
  const u = new Float32Array(rows * h);
  mlp.gate.forward(g, x, rows);
  mlp.up.forward(u, x, rows);
  for (let i = 0; i < g.length; i++) {
    const a = g[i]! / (1 + Math.exp(-g[i]!));
    g[i] = Math.abs(a) >= t ? a * u[i]! : 0;
  }
  const out = new Float32Array(rows * mlp.down.outFeatures);
  mlp.down.forward(out, g, rows);
  return out;
}

describe("CatsMlp", () => {
  for (const [name, backend] of backends) {
    it(`equals the masked dense MLP on every path (${name})`, () => {
      const rng = new Rng(21);
      for (const dtype of ["f32", "f16"] as WeightDType[]) {
        for (const [dim, hidden] of [[16, 40], [64, 172]] as Array<[number, number]>) {
          const mlp = swiglu(rng, dim, hidden, dtype, backend);
          const t = 0.15;
          const cats = CatsMlp.fromSwiGlu(mlp, t, () => backend, { denseAbove: 4 });
          for (const rows of [1, 3, 9]) {
            const x = randomVector(rng, rows * dim);
            const got = new Float32Array(rows * dim);
            cats.forward(got, x, context(backend, rows));
            expect(relativeError(got, maskedDense(mlp, x, rows, t)), `${dtype} ${dim}x${hidden} rows=${rows}`).toBeLessThan(3e-5);
          }
          expect(cats.counter.sparseCalls).toBe(2);
          expect(cats.counter.denseCalls).toBe(1);
          expect(cats.achievedSparsity).toBeGreaterThan(0);
        }
      }
    });
  }

  it("gives listeners at down_proj the masked activations, and stays exact with them attached", () => {
    const rng = new Rng(22);
    const mlp = swiglu(rng, 16, 40, "f32", referenceBackend);
    const cats = CatsMlp.fromSwiGlu(mlp, 0.2, () => referenceBackend);
    const taps = new ActivationTaps();
    const seen: number[] = [];
    taps.on("layers.0.mlp.down_proj", (_p, h, rows, cols) => {
      for (let i = 0; i < rows * cols; i++) if (h[i] === 0) seen.push(i);
    });
    const x = randomVector(rng, 16);
    const got = new Float32Array(16);
    cats.forward(got, x, context(referenceBackend, 1, taps));
    expect(relativeError(got, maskedDense(mlp, x, 1, 0.2))).toBeLessThan(1e-5);
    expect(seen.length).toBeGreaterThan(0);
  });

  it("stores up and down in f16 on request and reports itself", () => {
    const rng = new Rng(23);
    const mlp = swiglu(rng, 16, 40, "f32", referenceBackend);
    const cats = CatsMlp.fromSwiGlu(mlp, 0.1, () => referenceBackend, { storeAs: "f16" });
    const d = cats.describe();
    expect(d.kind).toBe("cats");
    expect(d.dtype).toBe("f16");
    expect(d.bytes).toBe(2 * 16 * 40 * 2);
    expect(cats.down.describe().kind).toBe("cats-down");
  });
});
