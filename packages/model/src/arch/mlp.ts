import type { LinearLayer } from "@sieve/core";
import { runLinear, type MlpModule, type StepContext } from "./modules.js";

/** The Llama MLP: down(silu(gate(x)) * up(x)), each projection a swappable linear slot. */
export class SwiGluMlp implements MlpModule {
  readonly kind = "swiglu";

  constructor(
    readonly path: string,
    public gate: LinearLayer,
    public up: LinearLayer,
    public down: LinearLayer,
  ) {}

  get hiddenDim(): number {
    return this.gate.outFeatures;
  }

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const n = ctx.rows * this.hiddenDim;
    const g = ctx.scratch.floats("mlp.gate", n);
    const u = ctx.scratch.floats("mlp.up", n);
    runLinear(`${this.path}.gate_proj`, this.gate, g, x, ctx);
    runLinear(`${this.path}.up_proj`, this.up, u, x, ctx);
    ctx.backend.swiglu(g, g, u);
    runLinear(`${this.path}.down_proj`, this.down, out, g, ctx);
  }
}
