/**
 * The logit processors, each applied in place to a [vocab] row and touching only the tokens
 * involved (never a pass over the vocabulary). Order in the Sampler: logit bias, repetition
 * penalty, presence/frequency penalties, then temperature (the order vLLM uses).
 */

/** logits[id] += bias for each entry. */
export function applyLogitBias(logits: Float32Array, bias: ReadonlyArray<readonly [number, number]>): void {
  for (const [id, b] of bias) logits[id] = logits[id]! + b;
}

/**
 * Hugging Face repetition penalty: for every token already in the prompt or the output, a
 * positive logit is divided by `penalty` and a negative one multiplied by it, so that a penalty
 * above 1 always makes the token less likely.
 */
export function applyRepetitionPenalty(logits: Float32Array, seenTokens: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of seenTokens) {
    const l = logits[id]!;
    logits[id] = l > 0 ? l / penalty : l * penalty;
  }
}

/**
 * OpenAI presence and frequency penalties over the generated tokens:
 * logit[j] -= count[j] * frequencyPenalty + (count[j] > 0 ? presencePenalty : 0).
 */
export function applyPresenceFrequencyPenalties(
  logits: Float32Array,
  generatedCounts: Iterable<[number, number]>,
  presencePenalty: number,
  frequencyPenalty: number,
): void {
  if (presencePenalty === 0 && frequencyPenalty === 0) return;
  for (const [id, count] of generatedCounts) {
    if (count > 0) logits[id] = logits[id]! - count * frequencyPenalty - presencePenalty;
  }
}
