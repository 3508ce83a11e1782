/**
 * The pruned linear layers: forward matches the reference kernel on either backend, describe()
 * names the format and exactly which kernel runs (never a dense one), the reference fallback is
 * announced once on stderr, and the factory builds layers only for packed weights.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { referenceBackend, Rng, Tensor } from "@sieve/core";
import { compressCsr } from "../formats/csr.js";
import { compressNm } from "../formats/nm.js";
import { sparseWeightTensors } from "../checkpoint/tensors.js";
import { sparseLinearReference } from "../kernels/reference/sparse-linear.js";
import { nativeBackendOrNull, randomMask, randomNmMask, randomNormal } from "../testing/native.js";
import { sparseLinearFactory } from "./factory.js";
import { NmSparseLinear, UnstructuredSparseLinear } from "./sparse-linear.js";

const native = nativeBackendOrNull();
const rng = new Rng(21);
const rows = 24;
const cols = 40;
const dense = { data: randomNormal(rng, rows * cols), dtype: "f32" as const, rows, cols };
const nm = compressNm(dense, randomNmMask(rng, rows, cols, 2, 4, 0), { n: 2, m: 4 }, "f16");
const csr = compressCsr(dense, randomMask(rng, rows * cols, 0.3), "f32");
const bias = randomNormal(rng, rows);

afterEach(() => {
  vi.restoreAllMocks();
});

function expectClose(actual: Float32Array, expected: Float32Array): void {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(1e-5);
}

describe("NmSparseLinear and UnstructuredSparseLinear", () => {
  it("run the reference kernels on the reference backend, say so in describe(), and warn once", () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (writes.push(String(chunk)), true));
    const layer = new NmSparseLinear(nm, bias, () => referenceBackend);
    const d = layer.describe();
    expect(d).toMatchObject({ kind: "nm-2:4", kernel: "reference:typescript", dtype: "f16", inFeatures: cols, outFeatures: rows, weightSparsity: 0.5 });
    expect(d.bytes).toBe(nm.values.byteLength + nm.indices.byteLength + bias.byteLength);
    for (const batch of [1, 3]) {
      const x = randomNormal(rng, batch * cols);
      const out = new Float32Array(batch * rows);
      layer.forward(out, x, batch);
      const expected = new Float32Array(batch * rows);
      sparseLinearReference(expected, x, batch, nm, bias);
      expect(out).toEqual(expected);
    }
    const warnings = writes.filter((w) => w.includes("pruned (sparse) linears run the TypeScript reference kernels"));
    expect(warnings.length).toBeLessThanOrEqual(1); // once per process: an earlier test may have said it already
  });

  it.skipIf(!native)("run the native kernels on the native backend and name them", () => {
    const layers = [new NmSparseLinear(nm, bias, () => native!), new UnstructuredSparseLinear(csr, null, () => native!)];
    // The pruned-weight kernels come in AVX2 and portable variants; the AVX-512 tier runs the AVX2 ones.
    const isa = native!.addon.info().isa === "portable" ? "portable" : "avx2";
    expect(layers[0]!.describe().kernel).toBe(`native:${isa}-nm24-gemv/${isa}-nm24-gemm`);
    expect(layers[1]!.describe()).toMatchObject({ kind: "csr", kernel: `native:${isa}-csr16-gemv/${isa}-csr16-gemm`, dtype: "f32" });
    expect(layers[1]!.describe().weightSparsity).toBeCloseTo(1 - csr.values.length / (rows * cols), 12);
    for (const layer of layers) {
      for (const batch of [1, 2, 7]) {
        const x = randomNormal(rng, batch * cols);
        const out = new Float32Array(batch * rows);
        layer.forward(out, x, batch);
        const expected = new Float32Array(batch * rows);
        sparseLinearReference(expected, x, batch, layer.weight, layer.bias);
        expectClose(out, expected);
      }
    }
  });

  it("validate their weight and bias up front, naming the layer", () => {
    const bad = { ...csr, rowPtr: csr.rowPtr.slice() };
    bad.rowPtr[3] = 0;
    expect(() => new UnstructuredSparseLinear(bad, null, undefined, { name: "model.layers.0.mlp.up_proj" })).toThrow(/model\.layers\.0\.mlp\.up_proj: rowPtr\[3\] = 0 is less than rowPtr\[2\]/);
    expect(() => new NmSparseLinear(nm, new Float32Array(3))).toThrow(/bias has 3 elements, expected 24/);
  });
});

describe("sparseLinearFactory", () => {
  const name = "model.layers.0.mlp.up_proj";
  const request = (weights: Map<string, Tensor>) => ({ name, outFeatures: rows, inFeatures: cols, weights, bias: null, backend: () => referenceBackend });

  it("builds the sparse layer from a packed weight's tensors", () => {
    const layer = sparseLinearFactory(request(new Map(sparseWeightTensors(name, nm))));
    expect(layer).toBeInstanceOf(NmSparseLinear);
    expect(layer!.describe().kind).toBe("nm-2:4");
    const u = sparseLinearFactory(request(new Map(sparseWeightTensors(name, csr))));
    expect(u).toBeInstanceOf(UnstructuredSparseLinear);
  });

  it("leaves dense weights to the model (undefined)", () => {
    expect(sparseLinearFactory(request(new Map([[`${name}.weight`, Tensor.zeros([rows, cols], "f32")]])))).toBeUndefined();
  });

  it("names a missing or mis-shaped tensor", () => {
    const tensors = new Map(sparseWeightTensors(name, nm));
    tensors.delete(`${name}.nm_indices`);
    expect(() => sparseLinearFactory(request(tensors))).toThrow(/model\.layers\.0\.mlp\.up_proj\.nm_indices: is missing/);
    const wrong = new Map(sparseWeightTensors(name, csr));
    wrong.set(`${name}.csr_row_ptr`, Tensor.zeros([rows], "i32"));
    expect(() => sparseLinearFactory(request(wrong))).toThrow(/csr_row_ptr: has 24 elements, expected 25/);
  });
});
