/**
 * The state DejaVu modules of one model share: options, the lookahead board, the predictors, and
 * the rule that turns predicted scores into the neurons/heads a step computes. One runtime per
 * applyDejaVu call; its modules find each other only through it (no edits to the model's code).
 */
import type { StepContext } from "@sieve/model";
import { keepCount } from "./labels.js";
import { LookaheadBoard } from "./lookahead.js";
import { blocksPredictedFrom, type DejaVuPredictors } from "./predictors.js";

export type DejaVuBatchPolicy = "union" | "per-token";

/**
 * Rows above which a "union" step runs dense. Measured by tooling/activation/dejavu.ts (see
 * docs/results/dejavu.md) at MLP budget 50% on a llama-110m-shaped MLP with the native kernels:
 * one token's selection (50% of the neurons) plus its predictor costs about 0.6x the dense MLP,
 * but the union of two tokens' selections already covers ~73% of the neurons and the gathered
 * kernel then loses to the dense one. Raise it for small budgets, whose unions grow slower.
 */
export const DEFAULT_DENSE_ABOVE_ROWS = 1;

export interface DejaVuOptions {
  /** Fraction of MLP neurons kept per token, in (0, 1]; 1 runs dense MLPs. Default: the predictors' trained budget. */
  mlpBudget?: number;
  /** Fraction of attention heads kept per token, in (0, 1]; 1 runs dense attention. Default: the predictors' trained budget. */
  headBudget?: number;
  /**
   * "union" (serving; default): the rows of a step share one selection, the union of every row's
   * top-K, so each selected weight is read once per step; a step of more than denseAboveRows rows
   * (a prefill, a large decode batch) runs dense.
   * "per-token": each row keeps exactly its own top-K whatever the step size: what batch-1 decoding
   * computes for every token. Used to measure accuracy on prefilled evaluation windows.
   */
  batchPolicy?: DejaVuBatchPolicy;
  /** "union" steps with more rows than this run dense (default DEFAULT_DENSE_ABOVE_ROWS). */
  denseAboveRows?: number;
  /** Sees every selection made (tests, debugging, metrics). */
  onSelect?: (event: DejaVuSelectEvent) => void;
  /**
   * "auto" (default): the package's native activation-sparse kernels when the model runs on the
   * native backend and the addon has them, else the TypeScript kernels. "typescript" forces those.
   */
  kernel?: "auto" | "typescript";
}

/** Which neurons (or heads) a step computes. */
export interface DejaVuSelection {
  /** true: row t keeps indices[t*k, t*k + k); false: every row keeps indices[0, count). */
  perRow: boolean;
  /** Kept per row by the budget. */
  k: number;
  /** Length of the shared list (perRow false); k otherwise. */
  count: number;
  indices: Int32Array;
}

export interface DejaVuSelectEvent {
  block: number;
  kind: "mlp" | "heads";
  rows: number;
  selection: DejaVuSelection;
}

/** Work done versus what dense modules would have done, over every step since apply. */
export interface DejaVuStats {
  steps: number;
  /** Steps that ran sparse (the rest fell back to dense). */
  sparseSteps: number;
  /** Sum over blocks and rows of neurons computed, and of neurons a dense MLP computes. */
  mlpNeuronsComputed: number;
  mlpNeuronsDense: number;
  headsComputed: number;
  headsDense: number;
}

interface SelectBuffers {
  values: Float32Array;
  indices: Int32Array;
  mask: Uint8Array;
  union: Int32Array;
}

export class DejaVuRuntime {
  readonly board: LookaheadBoard;
  readonly stats: DejaVuStats = { steps: 0, sparseSteps: 0, mlpNeuronsComputed: 0, mlpNeuronsDense: 0, headsComputed: 0, headsDense: 0 };
  readonly mlpBudget: number;
  readonly headBudget: number;
  readonly batchPolicy: DejaVuBatchPolicy;
  readonly denseAboveRows: number;
  private readonly onSelect: DejaVuOptions["onSelect"];
  private readonly maxRank: number;
  private hiddenScratch = new Float32Array(0);
  private readonly buffers: Record<"mlp" | "heads", SelectBuffers>;

  constructor(
    readonly predictors: DejaVuPredictors,
    options: DejaVuOptions = {},
  ) {
    this.mlpBudget = options.mlpBudget ?? predictors.budgets.mlp;
    this.headBudget = options.headBudget ?? predictors.budgets.heads;
    keepCount(this.mlpBudget, predictors.shape.hiddenDim);
    keepCount(this.headBudget, predictors.shape.nHeads);
    this.batchPolicy = options.batchPolicy ?? "union";
    if (this.batchPolicy !== "union" && this.batchPolicy !== "per-token") {
      throw new RangeError(`DejaVu: batchPolicy must be "union" or "per-token", got ${JSON.stringify(this.batchPolicy)}`);
    }
    this.denseAboveRows = options.denseAboveRows ?? DEFAULT_DENSE_ABOVE_ROWS;
    if (!(this.denseAboveRows >= 0)) throw new RangeError(`DejaVu: denseAboveRows must be >= 0, got ${this.denseAboveRows}`);
    this.onSelect = options.onSelect;
    this.board = new LookaheadBoard(predictors.shape.nLayers);
    this.maxRank = Math.max(1, ...predictors.blocks.flatMap((b) => [b.mlp.rank, b.attention.rank]));
    const empty = (): SelectBuffers => ({ values: new Float32Array(0), indices: new Int32Array(0), mask: new Uint8Array(0), union: new Int32Array(0) });
    this.buffers = { mlp: empty(), heads: empty() };
  }

  get mlpSparse(): boolean {
    return this.mlpBudget < 1;
  }

  get headsSparse(): boolean {
    return this.headBudget < 1;
  }

  /** Whether a step of this many rows runs sparse (both kinds decide alike, so producers and consumers agree). */
  sparseStep(rows: number): boolean {
    return this.batchPolicy === "per-token" || rows <= this.denseAboveRows;
  }

  /** Block 0 calls this as a step starts. */
  beginStep(ctx: StepContext): void {
    this.board.beginStep();
    this.stats.steps++;
    if (this.sparseStep(ctx.rows)) this.stats.sparseSteps++;
  }

  /**
   * Block `source`'s attention input `h` ([rows, dim]) has arrived: run the predictors of every
   * block that reads it and post their scores. In an asynchronous engine this is the work that
   * overlaps block `source`; here it runs inline, before the block, and nothing waits on it.
   */
  predictFrom(source: number, h: Float32Array, ctx: StepContext): void {
    const { hiddenDim, nHeads, nLayers } = this.predictors.shape;
    if (this.hiddenScratch.length < ctx.rows * this.maxRank) this.hiddenScratch = new Float32Array(ctx.rows * this.maxRank);
    for (const block of blocksPredictedFrom(source, nLayers)) {
      const p = this.predictors.blocks[block]!;
      const out = this.board.write(block, ctx, this.mlpSparse ? hiddenDim : 0, this.headsSparse ? nHeads : 0);
      if (this.mlpSparse) p.mlp.scoresOn(ctx.backend, out.mlp, h, ctx.rows, this.hiddenScratch);
      if (this.headsSparse) p.attention.scoresOn(ctx.backend, out.heads, h, ctx.rows, this.hiddenScratch);
    }
  }

  /** The neurons (or heads) block `block` computes in this step, from the scores posted for it. */
  select(block: number, kind: "mlp" | "heads", ctx: StepContext): DejaVuSelection {
    const n = kind === "mlp" ? this.predictors.shape.hiddenDim : this.predictors.shape.nHeads;
    const k = keepCount(kind === "mlp" ? this.mlpBudget : this.headBudget, n);
    const rows = ctx.rows;
    const scores = this.board.read(block, ctx, kind);
    const buf = this.buffers[kind];
    if (buf.indices.length < rows * k) {
      buf.values = new Float32Array(rows * k);
      buf.indices = new Int32Array(rows * k);
    }
    const indices = buf.indices.subarray(0, rows * k);
    ctx.backend.topk(buf.values.subarray(0, rows * k), indices, scores, rows, n, k);
    let selection: DejaVuSelection;
    if (this.batchPolicy === "per-token") {
      // Ascending within each row: the native kernels require it, and it walks weights in order.
      for (let t = 0; t < rows; t++) indices.subarray(t * k, (t + 1) * k).sort();
      selection = { perRow: true, k, count: k, indices };
    } else {
      if (buf.mask.length < n) {
        buf.mask = new Uint8Array(n);
        buf.union = new Int32Array(n);
      }
      const mask = buf.mask.subarray(0, n).fill(0);
      for (let i = 0; i < rows * k; i++) mask[indices[i]!] = 1;
      // Ascending order: the kernel then walks the weights front to back.
      let count = 0;
      for (let j = 0; j < n; j++) if (mask[j]) buf.union[count++] = j;
      selection = { perRow: false, k, count, indices: buf.union };
    }
    this.count(kind, rows, n, selection.perRow ? rows * k : rows * selection.count);
    this.onSelect?.({ block, kind, rows, selection });
    return selection;
  }

  /** Records work done by a block: `computed` neuron- (or head-) rows against a dense module's. */
  count(kind: "mlp" | "heads", rows: number, n: number, computed: number): void {
    if (kind === "mlp") {
      this.stats.mlpNeuronsComputed += computed;
      this.stats.mlpNeuronsDense += rows * n;
    } else {
      this.stats.headsComputed += computed;
      this.stats.headsDense += rows * n;
    }
  }
}
