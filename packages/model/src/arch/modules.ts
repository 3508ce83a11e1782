import type { ActivationTaps, KernelBackend, LinearLayer, PagedKvCache } from "@sieve/core";
import type { ForwardBatch } from "./batch.js";
import type { Scratch } from "./scratch.js";

/** Everything a block's sub-module may need during one forward step. */
export interface StepContext {
  layer: number;
  batch: ForwardBatch;
  kv: PagedKvCache;
  backend: KernelBackend;
  scratch: Scratch;
  taps: ActivationTaps;
  /** Number of token rows in this step. */
  rows: number;
  /**
   * The KV pool slot of each token row (page * pageSize + offset). The same in every layer, so
   * the first attention of a step computes it (see ropeCacheAndAttend) and the others reuse it;
   * a context is therefore valid for one step only (LlamaModel.forward makes a fresh one).
   */
  kvSlots?: Int32Array;
}

/** The replaceable attention slot: out[T, dim] = attention(x[T, dim]) with KV caching. */
export interface AttentionModule {
  readonly kind: string;
  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void;
}

/** The replaceable MLP slot: out[T, dim] = mlp(x[T, dim]). */
export interface MlpModule {
  readonly kind: string;
  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void;
}

/**
 * Runs a linear layer, first emitting its input to any listening activation tap. `path` is the
 * tap point; callers on the decode path pass a string built once (at construction), not per call.
 */
export function runLinear(path: string, linear: LinearLayer, out: Float32Array, x: Float32Array, ctx: StepContext): void {
  if (ctx.taps.active(path)) ctx.taps.emit(path, x, ctx.rows, linear.inFeatures);
  linear.forward(out, x, ctx.rows);
}
