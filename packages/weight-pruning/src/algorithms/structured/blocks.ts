/**
 * Removing whole transformer blocks (ShortGPT's "Block Influence", Men et al. 2024): a block
 * whose output is nearly its input (the residual stream barely turns) matters least.
 * Score = 1 - mean over calibration tokens of cos(input_t, output_t); the lowest go first.
 */

/** 1 - mean cosine similarity between matching rows of inputs and outputs ([tokens, dim] each). */
export function blockInfluence(inputs: readonly Float32Array[], outputs: readonly Float32Array[], dim: number): number {
  if (inputs.length !== outputs.length) throw new RangeError(`blockInfluence: ${inputs.length} inputs but ${outputs.length} outputs`);
  let sum = 0;
  let n = 0;
  for (let s = 0; s < inputs.length; s++) {
    const a = inputs[s]!;
    const b = outputs[s]!;
    if (a.length !== b.length || a.length % dim !== 0) throw new RangeError(`blockInfluence: sample ${s} has mismatched or ragged rows`);
    for (let t = 0; t < a.length; t += dim) {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let j = 0; j < dim; j++) {
        ab += a[t + j]! * b[t + j]!;
        aa += a[t + j]! ** 2;
        bb += b[t + j]! ** 2;
      }
      sum += aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 1;
      n++;
    }
  }
  return n > 0 ? 1 - sum / n : 0;
}

/** The `count` blocks with the lowest influence, increasing (ties: the later block goes first). */
export function blocksToRemove(influence: readonly number[], count: number): number[] {
  if (!Number.isInteger(count) || count < 0 || count >= influence.length) throw new RangeError(`blocksToRemove: can remove 0..${influence.length - 1} of ${influence.length} blocks, not ${count}`);
  const order = influence.map((_, i) => i).sort((a, b) => influence[a]! - influence[b]! || b - a);
  return order.slice(0, count).sort((a, b) => a - b);
}
