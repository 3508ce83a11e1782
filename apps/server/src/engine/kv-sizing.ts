/** How many KV blocks the engine's pool gets. */

/** The KV memory used when neither kvBlocks nor kvMemoryBytes is given. */
export const DEFAULT_KV_MEMORY_BYTES = 256 * 1024 * 1024;

export interface KvSizingInput {
  kvBlocks?: number;
  kvMemoryBytes?: number;
  blockSize: number;
  /** KV bytes one token takes over all layers. */
  bytesPerToken: number;
  maxSeqs: number;
  maxModelLen: number;
}

/**
 * kvBlocks when given; otherwise as many blocks as the memory budget holds, but no more than
 * maxSeqs sequences of maxModelLen tokens could ever use.
 */
export function chooseKvBlocks(input: KvSizingInput): number {
  const { kvBlocks, blockSize, bytesPerToken, maxSeqs, maxModelLen } = input;
  if (kvBlocks !== undefined) {
    if (!Number.isSafeInteger(kvBlocks) || kvBlocks < 1) throw new RangeError(`kvBlocks must be a positive integer, got ${kvBlocks}`);
    return kvBlocks;
  }
  const budget = input.kvMemoryBytes ?? DEFAULT_KV_MEMORY_BYTES;
  if (!Number.isFinite(budget) || budget <= 0) throw new RangeError(`kvMemoryBytes must be a positive number, got ${budget}`);
  const blockBytes = bytesPerToken * blockSize;
  const fits = Math.floor(budget / blockBytes);
  if (fits < 1) throw new RangeError(`kvMemoryBytes ${budget} holds no KV block (one block of ${blockSize} tokens takes ${blockBytes} bytes)`);
  return Math.min(fits, maxSeqs * Math.ceil(maxModelLen / blockSize));
}
