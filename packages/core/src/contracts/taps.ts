/**
 * Activation taps: calibration (Wanda norms, SparseGPT Hessians, TEAL histograms, DejaVu
 * training data) listens to the inputs of named points in the model. A model emits at each named
 * point only when someone listens, so taps cost nothing in serving.
 */
export type ActivationListener = (point: string, x: Float32Array, rows: number, cols: number) => void;

export class ActivationTaps {
  private readonly listeners = new Map<string, Set<ActivationListener>>();
  private readonly wildcard = new Set<ActivationListener>();

  /** Listens at one named point (e.g. "layers.3.mlp.down_proj") or "*" for every point. */
  on(point: string, listener: ActivationListener): () => void {
    const set = point === "*" ? this.wildcard : (this.listeners.get(point) ?? new Set());
    set.add(listener);
    if (point !== "*") this.listeners.set(point, set);
    return () => {
      set.delete(listener);
    };
  }

  /** True when anything listens at this point (lets the model skip work otherwise). */
  active(point: string): boolean {
    return this.wildcard.size > 0 || (this.listeners.get(point)?.size ?? 0) > 0;
  }

  emit(point: string, x: Float32Array, rows: number, cols: number): void {
    for (const l of this.wildcard) l(point, x, rows, cols);
    const set = this.listeners.get(point);
    if (set) for (const l of set) l(point, x, rows, cols);
  }

  clear(): void {
    this.listeners.clear();
    this.wildcard.clear();
  }
}
