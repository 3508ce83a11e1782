/**
 * Structured MLP pruning: remove hidden neurons of a SwiGLU MLP, i.e. rows of gate_proj and
 * up_proj and the matching columns of down_proj; the MLP's hidden size shrinks.
 *
 * Importance of neuron j (a norm-based score with calibration activations, as in Wanda-sp /
 * FLAP): ||down[:, j]||_2 · ||h_j||_2, where h = silu(gate x) · up x is down_proj's input over the
 * calibration tokens. It is the size of the neuron's contribution to the block's output
 * (exactly ||down[:, j] h_jᵀ||_F), so neurons that rarely fire or write little are removed first.
 */
import { highestIndices, keepColumns, keepRows } from "./shrink.js";
import type { WeightMatrix } from "../types.js";

export interface MlpWeights {
  gate: WeightMatrix;
  up: WeightMatrix;
  down: WeightMatrix;
}

/** ||down[:, j]||_2 · ||h_j||_2 from down_proj's calibration input Σ h_j². */
export function mlpChannelScores(down: WeightMatrix, downInputSumSquares: ArrayLike<number>): Float64Array {
  if (downInputSumSquares.length !== down.cols) throw new RangeError(`mlpChannelScores: ${downInputSumSquares.length} input statistics for ${down.cols} channels`);
  const col = new Float64Array(down.cols);
  for (let r = 0; r < down.rows; r++) for (let j = 0; j < down.cols; j++) col[j] += down.data[r * down.cols + j]! ** 2;
  const out = new Float64Array(down.cols);
  for (let j = 0; j < down.cols; j++) out[j] = Math.sqrt(col[j]! * downInputSumSquares[j]!);
  return out;
}

/** The `keep` channels with the highest scores, increasing. */
export function selectMlpChannels(scores: ArrayLike<number>, keep: number): Int32Array {
  return highestIndices(scores, keep);
}

/** gate/up rows and down columns of the kept channels. */
export function shrinkMlp(w: MlpWeights, keptChannels: ArrayLike<number>): MlpWeights {
  if (w.gate.rows !== w.up.rows || w.gate.rows !== w.down.cols) {
    throw new RangeError(`shrinkMlp: gate (${w.gate.rows}), up (${w.up.rows}) and down (${w.down.cols}) hidden sizes differ`);
  }
  return { gate: keepRows(w.gate, keptChannels), up: keepRows(w.up, keptChannels), down: keepColumns(w.down, keptChannels) };
}
