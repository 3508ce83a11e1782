import { DenseLinear, type LinearLayer } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { isNmSparse } from "../algorithms/nm.js";
import { maskSparsity } from "../algorithms/types.js";
import { pruneModel } from "./prune-model.js";
import { lastLogits, tinyModel, tinySamples } from "./tiny-model.fixture.js";
import type { PrunedLinear } from "./types.js";

const calibration = tinySamples(4, 24);
const BLOCK_LINEARS = 3 * 7;

function linearAt(model: ReturnType<typeof tinyModel>, path: string): DenseLinear {
  return model.tree.get<LinearLayer>(path).get() as DenseLinear;
}

describe("pruneModel", () => {
  it("magnitude without calibration prunes every block linear to the target, leaving the LM head dense", async () => {
    const model = tinyModel(1);
    const head = model.lmHead;
    const { report, linears } = await pruneModel(model, { method: "magnitude", sparsity: 0.5 });
    expect(linears).toHaveLength(BLOCK_LINEARS);
    expect(report.layers.map((l) => l.sparsity)).toEqual(new Array(BLOCK_LINEARS).fill(0.5));
    expect(report.sparsity).toBe(0.5);
    expect(report.layers[0]!.relativeError).toBeUndefined();
    expect(model.lmHead).toBe(head);
    for (const l of linears) {
      const w = linearAt(model, l.path).weight as Float32Array;
      expect(w).toBe(l.weight);
      for (let i = 0; i < w.length; i++) if (!l.mask[i]) expect(w[i]).toBe(0);
    }
    expect(lastLogits(model, calibration[0]!).every(Number.isFinite)).toBe(true);
  });

  it("never writes into the checkpoint's arrays", async () => {
    const model = tinyModel(1);
    const before = (linearAt(model, "layers.0.mlp.up_proj").weight as Float32Array).slice();
    const original = linearAt(model, "layers.0.mlp.up_proj").weight;
    await pruneModel(model, { method: "magnitude", sparsity: 0.7 });
    expect([...original]).toEqual([...before]);
  });

  for (const method of ["magnitude", "wanda", "sparsegpt"] as const) {
    it(`${method} 2:4 with calibration: every linear is 2:4, errors are reported, compress sees each layer`, async () => {
      const model = tinyModel(2);
      const seen: PrunedLinear[] = [];
      const { report } = await pruneModel(model, {
        method,
        pattern: "2:4",
        calibration,
        compress: (p) => {
          seen.push(p);
          return undefined;
        },
      });
      expect(seen.map((p) => p.path)).toEqual(report.layers.map((l) => l.path));
      for (const p of seen) {
        expect(p.pattern).toEqual({ n: 2, m: 4 });
        expect(isNmSparse(linearAt(model, p.path).weight as Float32Array, p.rows, p.cols, p.pattern!)).toBe(true);
      }
      expect(report.target).toBe("2:4");
      expect(report.calibrationTokens).toBe(4 * 24);
      for (const l of report.layers) {
        expect(l.sparsity).toBe(0.5);
        expect(l.relativeError).toBeGreaterThan(0);
        expect(l.relativeError).toBeLessThan(1);
      }
    });
  }

  it("reconstruction lowers every layer's error and keeps its mask", async () => {
    const model = tinyModel(3);
    const { report, linears } = await pruneModel(model, { method: "wanda", sparsity: 0.5, calibration, reconstruct: true });
    for (const l of report.layers) expect(l.relativeErrorReconstructed).toBeLessThan(l.relativeError!);
    for (const l of linears) expect(maskSparsity(l.mask)).toBe(0.5);
  });

  it("OWL allocates per-block sparsities that average to the target", async () => {
    const model = tinyModel(4);
    const { report } = await pruneModel(model, { method: "wanda", sparsity: 0.6, calibration, allocation: { kind: "owl", threshold: 2, lambda: 0.1 } });
    expect(report.allocation).toBe("owl");
    const mean = report.blockSparsity.reduce((a, b) => a + b, 0) / report.blockSparsity.length;
    expect(mean).toBeCloseTo(0.6, 10);
    expect(report.outlierRatios).toHaveLength(3);
    for (const l of report.layers) expect(l.sparsity).toBeCloseTo(report.blockSparsity[l.layer]!, 1);
  });

  it("global magnitude prunes exactly the target across all linears", async () => {
    const model = tinyModel(5);
    const { report, linears } = await pruneModel(model, { method: "magnitude", sparsity: 0.4, magnitudeScope: "global" });
    const total = linears.reduce((n, l) => n + l.mask.length, 0);
    expect(report.sparsity).toBe(Math.round(0.4 * total) / total);
  });

  it("keeps f16 weights in f16 and explains bad options", async () => {
    const model = tinyModel(6);
    const slot = model.tree.get<LinearLayer>("layers.0.mlp.down_proj");
    const d = slot.get() as DenseLinear;
    const { f32ArrayToF16 } = await import("@sieve/core");
    slot.set(new DenseLinear(f32ArrayToF16(d.weight as Float32Array), "f16", d.outFeatures, d.inFeatures, null, () => model.backend));
    await pruneModel(model, { method: "magnitude", sparsity: 0.5, include: (p) => p.endsWith("down_proj") });
    expect(linearAt(model, "layers.0.mlp.down_proj").dtype).toBe("f16");
    expect(linearAt(model, "layers.1.mlp.up_proj").describe().weightSparsity).toBe(0);
    await expect(pruneModel(model, { method: "wanda", sparsity: 0.5 })).rejects.toThrow(/calibration samples/);
    await expect(pruneModel(model, { method: "wanda", sparsity: 0.5, pattern: "2:4", calibration })).rejects.toThrow(/exactly one/);
    await expect(pruneModel(model, { method: "wanda", pattern: "2:4", allocation: "owl", calibration })).rejects.toThrow(/OWL/);
  });
});
