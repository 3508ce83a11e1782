/**
 * Adam (Kingma & Ba) over a fixed list of f32 parameter arrays, updated in place. Kept apart from
 * the trainer so the update rule can be read (and tested) on its own.
 */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    private readonly params: readonly Float32Array[],
    options: AdamOptions,
  ) {
    this.lr = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.lr > 0)) throw new RangeError(`Adam: learningRate must be > 0, got ${this.lr}`);
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  /** One update with gradients shaped like the parameters; `learningRate` overrides the constructor's for this step (schedules). */
  step(grads: readonly Float32Array[], learningRate: number = this.lr): void {
    this.t++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    // Bias corrections folded into the step size (the usual efficient form).
    const stepSize = (learningRate * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k]!;
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        p[i]! -= (stepSize * m[i]!) / (Math.sqrt(v[i]!) + eps);
      }
    }
  }
}
