import { selectTopK } from "./partial-select.js";

/** One token and its log-probability (nats). */
export interface TokenLogprob {
  tokenId: number;
  logprob: number;
}

/**
 * log(sum_i exp((logits[i] - max) * invT)) over the whole row, in float64. `max` must be the row
 * maximum; the log-softmax of the scaled row is then (logits[i] - max) * invT - result.
 */
export function scaledLogSumExp(logits: Float32Array, max: number, invT: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i]! - max) * invT);
  return Math.log(sum);
}

/**
 * The `n` most likely tokens of the distribution log_softmax(logits * invT), most likely first,
 * using partial selection (no full sort). `scratch` must hold n indices.
 */
export function topLogprobsOf(logits: Float32Array, max: number, invT: number, logSum: number, n: number, scratch: Int32Array): TokenLogprob[] {
  const count = selectTopK(logits, n, scratch);
  const out: TokenLogprob[] = [];
  for (let i = 0; i < count; i++) {
    const id = scratch[i]!;
    out.push({ tokenId: id, logprob: (logits[id]! - max) * invT - logSum });
  }
  return out;
}
