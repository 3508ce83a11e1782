/**
 * The board predictions are posted on during one forward step: block k - 1 writes the scores
 * block k will read (see predictors.ts for the lookahead rule). Each entry remembers the step it
 * was written in (the StepContext, a fresh object per LlamaModel.forward call), so a block never
 * reads a stale prediction from an earlier step: that would mean the producer did not run, which
 * is a wiring bug worth an error, not a silent wrong answer.
 */
import type { StepContext } from "@sieve/model";

interface Entry {
  step: StepContext | undefined;
  rows: number;
  /** Backing buffers, grown on demand and kept. */
  mlp: Float32Array;
  heads: Float32Array;
  /** This step's [rows, N] views of them. */
  mlpView: Float32Array;
  headsView: Float32Array;
}

export class LookaheadBoard {
  private readonly entries: Entry[];

  constructor(nLayers: number) {
    this.entries = Array.from({ length: nLayers }, () => {
      const empty = new Float32Array(0);
      return { step: undefined, rows: 0, mlp: empty, heads: empty, mlpView: empty, headsView: empty };
    });
  }

  /** Called when a step starts (block 0): forgets every prediction of earlier steps. */
  beginStep(): void {
    for (const e of this.entries) e.step = undefined;
  }

  /** The buffers block `block`'s predictions go to for this step ([rows, N] each, reused across steps). */
  write(block: number, ctx: StepContext, mlpN: number, headN: number): { mlp: Float32Array; heads: Float32Array } {
    const e = this.entries[block]!;
    const rows = ctx.rows;
    if (e.mlp.length < rows * mlpN) e.mlp = new Float32Array(rows * mlpN);
    if (e.heads.length < rows * headN) e.heads = new Float32Array(rows * headN);
    e.step = ctx;
    e.rows = rows;
    e.mlpView = e.mlp.subarray(0, rows * mlpN);
    e.headsView = e.heads.subarray(0, rows * headN);
    return { mlp: e.mlpView, heads: e.headsView };
  }

  /** The scores posted for `block` in this step. */
  read(block: number, ctx: StepContext, kind: "mlp" | "heads"): Float32Array {
    const e = this.entries[block]!;
    if (e.step !== ctx || e.rows !== ctx.rows) {
      throw new Error(
        `DejaVu: no ${kind} prediction for block ${block} in this forward step. Its predictor runs in the attention slot of an earlier block; ` +
          "every block's attention slot must hold a DejaVuAttention (use applyDejaVu, and do not replace those slots afterwards)",
      );
    }
    return kind === "mlp" ? e.mlpView : e.headsView;
  }
}
