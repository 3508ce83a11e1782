/**
 * A model's set of DejaVu predictors, and the lookahead rule that says which block's input each
 * one reads.
 *
 * Lookahead (DejaVu's asynchronous design): the predictors of block k (its MLP neurons and its
 * attention heads) read the input of block k - 1, so they can run while block k - 1 computes and
 * their answer is ready when block k starts. "The input of block k - 1" is the tensor block k - 1's
 * attention receives: the residual stream before that block, after its input RMSNorm. Block 0 has
 * no earlier block; its predictors read block 0's own input (the normalised embeddings, known
 * before block 0 starts).
 */
import type { LlamaModel } from "@sieve/model";
import type { LowRankPredictor } from "./predictor.js";

/** How many blocks ahead a prediction is made. */
export const DEJAVU_LOOKAHEAD = 1;

/** The block whose (normalised) input block `block`'s predictors read. */
export function predictorSourceBlock(block: number): number {
  return Math.max(0, block - DEJAVU_LOOKAHEAD);
}

/** The blocks whose predictors read block `source`'s input, in order. */
export function blocksPredictedFrom(source: number, nLayers: number): number[] {
  const out: number[] = [];
  for (let b = source; b <= source + DEJAVU_LOOKAHEAD && b < nLayers; b++) {
    if (predictorSourceBlock(b) === source) out.push(b);
  }
  return out;
}

export interface DejaVuShape {
  dim: number;
  hiddenDim: number;
  nHeads: number;
  nLayers: number;
}

export interface DejaVuBlockPredictors {
  /** Scores the block's MLP neurons (N = hiddenDim). */
  mlp: LowRankPredictor;
  /** Scores the block's attention (query) heads (N = nHeads). */
  attention: LowRankPredictor;
}

export interface DejaVuPredictors {
  shape: DejaVuShape;
  /** One entry per block, in model order. */
  blocks: DejaVuBlockPredictors[];
  /** Fractions of neurons and heads kept per token that the predictors were trained for; applyDejaVu's defaults. */
  budgets: { mlp: number; heads: number };
  /** Facts kept with the predictors (training settings, measured recall), as strings. */
  info: Record<string, string>;
}

export function dejavuShapeOf(model: LlamaModel): DejaVuShape {
  const c = model.config;
  return { dim: c.dim, hiddenDim: c.hiddenDim, nHeads: c.nHeads, nLayers: c.nLayers };
}

/** Throws, naming the first mismatch, when predictors were not made for this model's shapes. */
export function checkPredictorsFit(model: LlamaModel, predictors: DejaVuPredictors, source = "DejaVu predictors"): void {
  const want = dejavuShapeOf(model);
  for (const key of Object.keys(want) as Array<keyof DejaVuShape>) {
    if (predictors.shape[key] !== want[key]) {
      throw new RangeError(`${source}: made for ${key} = ${predictors.shape[key]}, but the model has ${key} = ${want[key]}; train predictors for this model`);
    }
  }
  if (predictors.blocks.length !== want.nLayers) throw new RangeError(`${source}: ${predictors.blocks.length} blocks of predictors for a model of ${want.nLayers} layers`);
  predictors.blocks.forEach((b, i) => {
    const check = (what: string, p: LowRankPredictor, n: number): void => {
      if (p.inFeatures !== want.dim || p.outFeatures !== n) {
        throw new RangeError(`${source}: block ${i} ${what} predictor maps ${p.inFeatures} -> ${p.outFeatures}, expected ${want.dim} -> ${n}`);
      }
    };
    check("mlp", b.mlp, want.hiddenDim);
    check("attention", b.attention, want.nHeads);
  });
}
