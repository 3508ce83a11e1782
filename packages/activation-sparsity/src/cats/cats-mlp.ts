/**
 * CatsMlp: the SwiGLU MLP with CATS sparsity. The gate projection runs dense; neurons whose
 * |silu(gate(x))| is below a calibrated threshold are dropped, and the up and down projections
 * are computed for the kept neurons only. Up is kept as stored ([hidden, dim]: neuron i's up
 * weights are row i, contiguous) and down input-major ([hidden, dim]: neuron i's down weights are
 * row i of the transpose, contiguous), so a dropped neuron skips two contiguous runs.
 *
 * By rows per call:
 *   1                catsMlpGemv: one fused pass over the kept neurons (up row . x, scale,
 *                    accumulate down row)
 *   2 .. denseAbove  gatherRowsMatmul over the union of kept neurons, then sparseMatmulIm
 *   more             dense up (the backend's matmul), masked, then the dense input-major down
 * Rows are masked independently, so the output always equals the dense MLP with each row's
 * dropped neurons zeroed.
 */
import { DenseLinear, type KernelBackend, type LinearLayer, type WeightDType } from "@sieve/core";
import { runLinear, type MlpModule, type StepContext, type SwiGluMlp } from "@sieve/model";
import { activationKernelsFor, type ActivationKernels } from "../kernels/activation-kernels.js";
import { convertWeight } from "../kernels/convert-weight.js";
import { keeps } from "../kernels/reference/activation-sparse.js";
import { DEFAULT_TEAL_DENSE_ABOVE } from "../teal/defaults.js";
import { SparsityCounter } from "../teal/sparsity-counter.js";
import { TealLinear, type DenseWeightSource } from "../teal/teal-linear.js";

export interface CatsMlpOptions {
  /** Most rows per call that still run the sparse kernels (default as TealLinear's). */
  denseAbove?: number;
  /** Store up and down in this dtype (default: up's). */
  storeAs?: WeightDType;
}

export interface CatsMlpDescription {
  kind: "cats";
  kernel: string;
  dtype: WeightDType;
  dim: number;
  hidden: number;
  threshold: number;
  /** Fraction of neurons dropped so far (NaN before the first call). */
  activationSparsity: number;
  /** Bytes of up and down (gate is its own linear). */
  bytes: number;
  denseAbove: number;
}

function denseParts(layer: LinearLayer, what: string): DenseWeightSource {
  const d = layer as Partial<DenseWeightSource>;
  if (!(layer instanceof DenseLinear) || !d.weight || !d.dtype) {
    throw new TypeError(`CATS needs a dense ${what} projection, got a "${layer.describe().kind}" layer (apply CATS before weight pruning, or not at all)`);
  }
  return layer;
}

export class CatsMlp implements MlpModule {
  readonly kind = "cats";
  readonly counter: SparsityCounter;
  denseAbove: number;
  private readonly idx: Int32Array;
  private readonly kept = new Float64Array(1);
  private cached: { backend: KernelBackend; kernels: ActivationKernels } | undefined;

  /**
   * @param up the up projection as stored ([hidden, dim], dtype of down)
   * @param down the down projection, input-major ([hidden, dim]), same dtype as up
   */
  constructor(
    readonly path: string,
    public gate: LinearLayer,
    readonly up: DenseLinear,
    readonly down: TealLinear,
    public threshold: number,
    private readonly backend: () => KernelBackend,
    options: Pick<CatsMlpOptions, "denseAbove"> = {},
  ) {
    if (up.dtype !== down.dtype) throw new TypeError(`CatsMlp: up (${up.dtype}) and down (${down.dtype}) must share a dtype`);
    if (up.outFeatures !== down.inFeatures || up.inFeatures !== down.outFeatures || gate.outFeatures !== up.outFeatures) {
      throw new RangeError(`CatsMlp: shapes do not match (gate ${gate.outFeatures}x${gate.inFeatures}, up ${up.outFeatures}x${up.inFeatures}, down ${down.outFeatures}x${down.inFeatures})`);
    }
    if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`CatsMlp: threshold must be finite and >= 0, got ${threshold}`);
    this.denseAbove = options.denseAbove ?? DEFAULT_TEAL_DENSE_ABOVE;
    this.idx = new Int32Array(this.hidden);
    this.counter = new SparsityCounter(this.hidden);
  }

  /** Builds a CatsMlp from the model's SwiGLU MLP (gate kept; up kept or converted; down transposed). */
  static fromSwiGlu(mlp: SwiGluMlp, threshold: number, backend: () => KernelBackend, options: CatsMlpOptions = {}): CatsMlp {
    const up = denseParts(mlp.up, `${mlp.path}.up_proj`);
    const down = denseParts(mlp.down, `${mlp.path}.down_proj`);
    const to = options.storeAs ?? up.dtype;
    const upLayer = to === up.dtype && mlp.up instanceof DenseLinear ? mlp.up : new DenseLinear(convertWeight(up.weight, up.dtype, to), to, up.outFeatures, up.inFeatures, null, backend);
    const downLayer = TealLinear.fromDense(down, 0, backend, { storeAs: to, kind: "cats-down", denseAbove: options.denseAbove });
    return new CatsMlp(mlp.path, mlp.gate, upLayer, downLayer, threshold, backend, options);
  }

  get hidden(): number {
    return this.up.outFeatures;
  }

  get dim(): number {
    return this.up.inFeatures;
  }

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const { rows, scratch, taps } = ctx;
    const { hidden: H, dim: D, threshold: t } = this;
    const k = this.kernels();
    const act = scratch.floats("cats.act", rows * H);
    runLinear(`${this.path}.gate_proj`, this.gate, act, x, ctx);
    ctx.backend.silu(act, act);
    if (taps.active(`${this.path}.up_proj`)) taps.emit(`${this.path}.up_proj`, x, rows, D);
    const downTap = `${this.path}.down_proj`;
    if (rows === 1 && !taps.active(downTap)) {
      const count = k.thresholdSelect(this.idx, act, 1, H, t, null);
      k.catsMlpGemv(out, x, act, this.idx, count, this.up.weight, this.down.weightT, this.up.dtype, D, H);
      this.counter.record(1, count, count, true);
      return;
    }
    const count = k.thresholdSelect(this.idx, act, rows, H, t, this.kept);
    const sparse = rows <= this.denseAbove;
    const h = scratch.floats("cats.h", rows * H);
    if (sparse) {
      // h is filled only at the union's neurons: the sparse down product reads nothing else.
      const u = scratch.floats("cats.u", rows * count);
      k.gatherRowsMatmul(u, x, rows, this.idx, count, this.up.weight, this.up.dtype, D, H);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < count; i++) {
          const j = this.idx[i]!;
          const a = act[r * H + j]!;
          h[r * H + j] = keeps(a, t) ? a * u[r * count + i]! : 0;
        }
      }
    } else {
      ctx.backend.matmul(h, x, this.up.weight, this.up.dtype, rows, H, D, null);
      for (let i = 0; i < rows * H; i++) {
        const a = act[i]!;
        h[i] = keeps(a, t) ? a * h[i]! : 0;
      }
    }
    if (taps.active(downTap)) {
      if (sparse) this.zeroOutsideUnion(h, rows, count);
      taps.emit(downTap, h, rows, H);
    }
    k.sparseMatmulIm(out, h, rows, H, sparse ? this.idx : null, sparse ? count : H, 0, this.down.weightT, this.down.dtype, D, null);
    this.counter.record(rows, this.kept[0]!, count, sparse);
  }

  get achievedSparsity(): number {
    return this.counter.sparsity;
  }

  describe(): CatsMlpDescription {
    const k = this.kernels();
    return {
      kind: "cats",
      kernel: `${k.name}:${k.variant("catsMlpGemv")}/${k.variant("gatherRowsMatmul")}+${k.variant("sparseMatmulIm")} (sparse up to ${this.denseAbove} rows)`,
      dtype: this.up.dtype,
      dim: this.dim,
      hidden: this.hidden,
      threshold: this.threshold,
      activationSparsity: this.counter.sparsity,
      bytes: this.up.weight.byteLength + this.down.weightT.byteLength,
      denseAbove: this.denseAbove,
    };
  }

  /** Listeners get a proper h: zero wherever the sparse path left stale values. */
  private zeroOutsideUnion(h: Float32Array, rows: number, count: number): void {
    const H = this.hidden;
    let next = 0;
    for (let j = 0; j < H; j++) {
      if (next < count && this.idx[next] === j) {
        next++;
        continue;
      }
      for (let r = 0; r < rows; r++) h[r * H + j] = 0;
    }
  }

  private kernels(): ActivationKernels {
    const backend = this.backend();
    if (this.cached?.backend !== backend) this.cached = { backend, kernels: activationKernelsFor(backend) };
    return this.cached.kernels;
  }
}

