/**
 * Test support (not exported): a LocalEngine on synth:test-tiny whose linear slots are wrapped in
 * stand-ins that report weight sparsity through describe(), and (the MLP down projections) run-
 * time sparsity through achievedSparsity(), the way technique layers do. They compute densely.
 */
import type { LinearDescription, LinearLayer } from "@sieve/core";
import { LocalEngine, loadEngineModel, type EngineOptions } from "../engine/index.js";
import type { AchievedSparsity, SparsityReporter } from "./model-report.js";

class SparseStandIn implements LinearLayer {
  constructor(
    private readonly inner: LinearLayer,
    private readonly sparsity: number,
  ) {}
  get inFeatures() {
    return this.inner.inFeatures;
  }
  get outFeatures() {
    return this.inner.outFeatures;
  }
  forward(out: Float32Array, x: Float32Array, rows: number): void {
    this.inner.forward(out, x, rows);
  }
  describe(): LinearDescription {
    return { ...this.inner.describe(), kind: "test-sparse", weightSparsity: this.sparsity };
  }
}

class MeasuringStandIn extends SparseStandIn implements SparsityReporter {
  achievedSparsity(): AchievedSparsity {
    return { kind: "activation", fraction: 0.4, samples: 10 };
  }
}

/** Slot j of layer i gets weight sparsity min(0.95, (i + 1) * 0.2 + j * 0.05). Any test-tiny-shaped spec works. */
export async function engineWithSparseLayers(spec = "synth:test-tiny", options: EngineOptions = { kvBlocks: 64 }): Promise<LocalEngine> {
  const loaded = await loadEngineModel(spec);
  loaded.model.tree.list<LinearLayer>("linear").forEach((slot, n) => {
    const layer = Number(/layers\.(\d+)\./.exec(slot.path)![1]);
    const sparsity = Math.min(0.95, (layer + 1) * 0.2 + (n % 7) * 0.05);
    slot.set(slot.path.endsWith("down_proj") ? new MeasuringStandIn(slot.get(), sparsity) : new SparseStandIn(slot.get(), sparsity));
  });
  return new LocalEngine(loaded, options);
}
