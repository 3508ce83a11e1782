/** How the concurrency benchmark sizes the engine's KV pool. */

/** Blocks one fixed-length request holds at its longest: prompt + generated tokens (the last one's KV is never written, but keep it simple and safe). */
export function blocksPerRequest(promptTokens: number, genTokens: number, blockSize: number): number {
  return Math.ceil((promptTokens + genTokens) / blockSize);
}

/**
 * Enough blocks for every request of the largest level to run at once, and for the shared-prefix
 * workload with prefix caching off (each request then holds its own copy of the prefix). The
 * engine's default (256 MiB) holds only ~227 blocks of llama-110m's f32 KV, fewer than 64
 * requests of 16 + 128 tokens need (576): the scheduler would queue them, and the level would
 * measure the pool, not batching.
 */
export function benchKvBlocks(shapes: ReadonlyArray<{ concurrency: number; promptTokens: number; genTokens: number }>, blockSize: number): number {
  let blocks = 1;
  for (const s of shapes) blocks = Math.max(blocks, s.concurrency * blocksPerRequest(s.promptTokens, s.genTokens, blockSize));
  return blocks;
}
