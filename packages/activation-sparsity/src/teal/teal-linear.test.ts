/**
 * TealLinear equals the dense layer on the thresholded input for any number of rows (decode,
 * batched decode, prefill), on the reference and the native backend; it switches to the dense
 * input-major kernel above its configured batch size, and counts what it zeroed and skipped.
 */
import { describe, expect, it } from "vitest";
import { DenseLinear, referenceBackend, type KernelBackend, type WeightDType } from "@sieve/core";
import { Rng, nativeOrNull, normalThreshold, randomVector, randomWeight, relativeError, thresholded } from "../kernels/native.fixture.js";
import { TealLinear } from "./teal-linear.js";
import { ThresholdedLinear } from "./thresholded-linear.js";

const native = nativeOrNull();
const backends: Array<[string, KernelBackend]> = [["reference", referenceBackend]];
if (native) backends.push(["native", native]);

function denseLayer(rng: Rng, out: number, inF: number, dtype: WeightDType, backend: KernelBackend): DenseLinear {
  const w = randomWeight(rng, out * inF, dtype);
  return new DenseLinear(w.data, dtype, out, inF, randomVector(rng, out), () => backend);
}

describe("TealLinear", () => {
  for (const [name, backend] of backends) {
    it(`equals the dense layer on the thresholded input (${name})`, () => {
      const rng = new Rng(11);
      for (const dtype of ["f32", "f16"] as WeightDType[]) {
        for (const [out, inF] of [[5, 7], [96, 130], [257, 64]] as Array<[number, number]>) {
          const dense = denseLayer(rng, out, inF, dtype, backend);
          const t = normalThreshold(0.5);
          const teal = TealLinear.fromDense(dense, t, () => backend, { denseAbove: 4 });
          expect(teal.describe().bytes).toBe(dense.describe().bytes);
          for (const rows of [1, 2, 4, 5, 17]) {
            const x = randomVector(rng, rows * inF);
            const expected = new Float32Array(rows * out);
            dense.forward(expected, thresholded(x, t), rows);
            const got = new Float32Array(rows * out);
            teal.forward(got, x, rows);
            expect(relativeError(got, expected), `${dtype} ${out}x${inF} rows=${rows}`).toBeLessThan(2e-5);
          }
        }
      }
    });
  }

  it("stores f32 weights as f16 on request, within f16 rounding of the dense layer", () => {
    const rng = new Rng(12);
    const dense = denseLayer(rng, 40, 64, "f32", referenceBackend);
    const teal = TealLinear.fromDense(dense, 0, () => referenceBackend, { storeAs: "f16" });
    expect(teal.dtype).toBe("f16");
    expect(teal.describe().bytes).toBe(40 * 64 * 2 + 40 * 4);
    const x = randomVector(rng, 64);
    const expected = new Float32Array(40);
    const got = new Float32Array(40);
    dense.forward(expected, x, 1);
    teal.forward(got, x, 1);
    expect(relativeError(got, expected)).toBeLessThan(2e-3);
  });

  it("falls back to the dense input-major kernel above denseAbove rows, and counts what it did", () => {
    const rng = new Rng(13);
    const dense = denseLayer(rng, 16, 100, "f32", referenceBackend);
    const t = normalThreshold(0.5);
    const teal = TealLinear.fromDense(dense, t, () => referenceBackend, { denseAbove: 3 });
    const run = (rows: number): Float32Array => {
      const x = randomVector(rng, rows * 100);
      teal.forward(new Float32Array(rows * 16), x, rows);
      return x;
    };
    run(1);
    run(3);
    expect(teal.counter.sparseCalls).toBe(2);
    expect(teal.counter.denseCalls).toBe(0);
    run(4);
    expect(teal.counter.sparseCalls).toBe(2);
    expect(teal.counter.denseCalls).toBe(1);
    teal.denseAbove = 4;
    run(4);
    expect(teal.counter.sparseCalls).toBe(3);
    expect(teal.counter.rows).toBe(12);
    // About half of the standard-normal inputs fall below the 50% threshold.
    expect(Math.abs(teal.achievedSparsity - 0.5)).toBeLessThan(0.1);
    const d = teal.describe();
    expect(d.kind).toBe("teal");
    expect(d.threshold).toBe(t);
    expect(d.activationSparsity).toBe(teal.achievedSparsity);
    expect(d.kernel).toMatch(/^reference:ts-reference/);
    // One row skips exactly its zeroed inputs; four rows only those zero in all four.
    expect(d.skippedFraction).toBeGreaterThan(0);
    expect(d.skippedFraction).toBeLessThan(teal.achievedSparsity);
    teal.counter.reset();
    expect(Number.isNaN(teal.achievedSparsity)).toBe(true);
  });

  it("ThresholdedLinear runs any inner layer on the thresholded input", () => {
    const rng = new Rng(14);
    const dense = denseLayer(rng, 12, 30, "f32", referenceBackend);
    const t = normalThreshold(0.4);
    const wrapped = new ThresholdedLinear(dense, t);
    const x = randomVector(rng, 3 * 30);
    const expected = new Float32Array(36);
    dense.forward(expected, thresholded(x, t), 3);
    const got = new Float32Array(36);
    wrapped.forward(got, x, 3);
    expect(got).toEqual(expected);
    expect(wrapped.describe().kind).toBe("teal+dense");
    expect(wrapped.describe().kernel).toMatch(/no weight rows skipped/);
    expect(wrapped.achievedSparsity).toBeGreaterThan(0.2);
  });

  it("rejects mismatched shapes and bad thresholds", () => {
    expect(() => new TealLinear(new Float32Array(6), "f32", 2, 4, null, 0, () => referenceBackend)).toThrow(/expected 4x2/);
    expect(() => new TealLinear(new Float32Array(8), "f32", 2, 4, null, -1, () => referenceBackend)).toThrow(/threshold/);
    expect(() => new TealLinear(new Float32Array(8), "f32", 2, 4, null, 0, () => referenceBackend, { denseAbove: 0 })).toThrow(/denseAbove/);
  });
});
