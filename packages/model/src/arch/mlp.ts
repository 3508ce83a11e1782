import type { LinearLayer } from "@sieve/core";
import { runLinear, type MlpModule, type StepContext } from "./modules.js";

/** The Llama MLP: down(silu(gate(x)) * up(x)), each projection a swappable linear slot. */
export class SwiGluMlp implements MlpModule {
  readonly kind = "swiglu";
  /** Tap points of the three projections, built once rather than per call. */
  private readonly tapPoints: { gate: string; up: string; down: string };

  constructor(
    readonly path: string,
    public gate: LinearLayer,
    public up: LinearLayer,
    public down: LinearLayer,
  ) {
    this.tapPoints = { gate: `${path}.gate_proj`, up: `${path}.up_proj`, down: `${path}.down_proj` };
  }

  get hiddenDim(): number {
    return this.gate.outFeatures;
  }

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const n = ctx.rows * this.hiddenDim;
    const g = ctx.scratch.floats("mlp.gate", n);
    const u = ctx.scratch.floats("mlp.up", n);
    const tap = this.tapPoints;
    runLinear(tap.gate, this.gate, g, x, ctx);
    runLinear(tap.up, this.up, u, x, ctx);
    ctx.backend.swiglu(g, g, u);
    runLinear(tap.down, this.down, out, g, ctx);
  }
}
