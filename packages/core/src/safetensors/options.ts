/** Options shared by every way of reading safetensors (file or in-memory buffer). */
export interface SafetensorsReadOptions {
  /**
   * Largest header accepted, in bytes. A header is JSON that must be read and parsed whole before
   * anything else, so an untrusted file could otherwise make us allocate and parse gigabytes.
   * Default: 100_000_000, the limit of the reference implementation.
   */
  maxHeaderBytes?: number;
  /**
   * Accept byte ranges of the data buffer that belong to no tensor (including trailing bytes after
   * the last tensor). The format requires contiguous coverage, and the reference implementation
   * rejects such files, so a hole usually means a damaged or hand-made file. Default: false.
   */
  allowGaps?: boolean;
}

export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

export interface ResolvedReadOptions {
  maxHeaderBytes: number;
  allowGaps: boolean;
}

export function resolveReadOptions(options: SafetensorsReadOptions | undefined): ResolvedReadOptions {
  const maxHeaderBytes = options?.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(maxHeaderBytes) || maxHeaderBytes < 2) {
    throw new RangeError(`maxHeaderBytes must be an integer >= 2, got ${maxHeaderBytes}`);
  }
  return { maxHeaderBytes, allowGaps: options?.allowGaps ?? false };
}
