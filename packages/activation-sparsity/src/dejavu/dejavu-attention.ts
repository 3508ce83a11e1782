/**
 * The DejaVu attention slot. Two jobs:
 *
 * 1. Lookahead producer: its input is the normalised residual stream before this block, which is
 *    what the predictors of the next block read (see predictors.ts). It posts those predictions
 *    first, so the next block's MLP and heads find them ready.
 * 2. Head-sparse attention: it computes queries only for the heads the previous block predicted,
 *    and the output projection over those heads only. Keys and values are still projected and
 *    written to the KV cache for every KV head: later tokens may select heads this token skipped,
 *    and they must find this token's K/V in the cache. The attention pass itself (scores against
 *    the cached keys) computes only the selected heads (pagedAttention's `heads` subset) when one
 *    subset serves every row of the step: a shared (union) selection, or a single row. Per-row
 *    selections over several rows run all heads, with the skipped heads' queries zeroed; their
 *    outputs are never read.
 *
 * Dense steps and headBudget 1 run the original attention module unchanged.
 */
import { ropeCacheAndAttend, type AttentionModule, type PagedAttention, type StepContext } from "@sieve/model";
import type { HeadKernel } from "./head-kernels.js";
import type { DejaVuRuntime, DejaVuSelection } from "./runtime.js";

export class DejaVuAttention implements AttentionModule {
  readonly kind = "dejavu-paged-gqa";

  constructor(
    readonly block: number,
    /** The dense attention this slot held; the fallback, and what restore() puts back. */
    readonly dense: PagedAttention,
    /** Null when the heads always run dense (budget 1). */
    readonly kernel: HeadKernel | null,
    private readonly runtime: DejaVuRuntime,
  ) {}

  forward(out: Float32Array, x: Float32Array, ctx: StepContext): void {
    const rt = this.runtime;
    if (this.block === 0) rt.beginStep(ctx);
    const sparse = rt.sparseStep(ctx.rows);
    if (sparse && (rt.mlpSparse || rt.headsSparse)) rt.predictFrom(this.block, x, ctx);
    const nHeads = this.dense.shape.nHeads;
    if (!this.kernel || !rt.headsSparse || !sparse) {
      rt.count("heads", ctx.rows, nHeads, ctx.rows * nHeads);
      this.dense.forward(out, x, ctx);
      return;
    }
    const sel = rt.select(this.block, "heads", ctx);
    if (!sel.perRow && sel.count === nHeads) {
      this.dense.forward(out, x, ctx);
      return;
    }
    this.sparseForward(out, x, ctx, sel, this.kernel);
  }

  private sparseForward(out: Float32Array, x: Float32Array, ctx: StepContext, sel: DejaVuSelection, kernel: HeadKernel): void {
    const { nHeads, nKvHeads, headDim } = this.dense.shape;
    const { backend, scratch, rows, taps } = ctx;
    const path = this.dense.path;
    const dim = this.dense.shape.dim;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;
    if (taps.active(`${path}.q_proj`)) taps.emit(`${path}.q_proj`, x, rows, dim);

    const q = scratch.floats("dejavu.attn.q", rows * qDim);
    if (sel.perRow) {
      for (let t = 0; t < rows; t++) {
        kernel.query(q.subarray(t * qDim, (t + 1) * qDim), x.subarray(t * dim, (t + 1) * dim), 1, sel.indices.subarray(t * sel.k, (t + 1) * sel.k), sel.k, scratch, backend);
      }
    } else {
      kernel.query(q, x, rows, sel.indices, sel.count, scratch, backend);
    }
    // Every KV head, every token: the cache must stay complete for later tokens.
    const k = scratch.floats("dejavu.attn.k", rows * kvDim);
    const v = scratch.floats("dejavu.attn.v", rows * kvDim);
    if (taps.active(`${path}.k_proj`)) taps.emit(`${path}.k_proj`, x, rows, dim);
    this.dense.k.forward(k, x, rows);
    if (taps.active(`${path}.v_proj`)) taps.emit(`${path}.v_proj`, x, rows, dim);
    this.dense.v.forward(v, x, rows);
    const attn = ropeCacheAndAttend(this.dense.shape, q, k, v, ctx, "dejavu.attn", headSubset(sel, rows));
    // No o_proj tap here: the skipped heads' rows of `attn` are not meaningful activations.
    if (sel.perRow) {
      for (let t = 0; t < rows; t++) {
        kernel.output(out.subarray(t * dim, (t + 1) * dim), attn.subarray(t * qDim, (t + 1) * qDim), 1, sel.indices.subarray(t * sel.k, (t + 1) * sel.k), sel.k, scratch, backend);
      }
    } else {
      kernel.output(out, attn, rows, sel.indices, sel.count, scratch, backend);
    }
  }
}

/** The heads every row of the step computes, ascending, or undefined when rows differ (then all heads run). */
function headSubset(sel: DejaVuSelection, rows: number): Int32Array | undefined {
  if (!sel.perRow) return sel.indices.subarray(0, sel.count);
  return rows === 1 ? sel.indices.subarray(0, sel.k) : undefined;
}
