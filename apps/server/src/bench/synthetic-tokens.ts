/**
 * Token ids for benchmarks: deterministic pseudo-random ids, so that no tokenizer is needed and
 * every engine (and every run) sees exactly the same input. Ids below 3 are skipped because small
 * ids are control tokens (UNK/BOS/EOS) in most vocabularies; the first id is BOS when the model
 * has one, as a real prompt would start.
 */
export function syntheticTokenIds(count: number, vocabSize: number, bosId: number | undefined, seed = 1): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`syntheticTokenIds: count must be a positive integer, got ${count}`);
  const low = Math.min(3, vocabSize - 1);
  const span = vocabSize - low;
  const ids: number[] = [];
  // xorshift32: tiny, seedable and identical on every platform.
  let state = (seed >>> 0) || 1;
  if (bosId !== undefined) ids.push(bosId);
  while (ids.length < count) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    ids.push(low + (state % span));
  }
  return ids;
}
