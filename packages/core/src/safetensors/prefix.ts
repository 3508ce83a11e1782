/** The 8-byte little-endian u64 that opens every safetensors file: the header's length in bytes. */
import { FIX_DAMAGED_FILE, SafetensorsError } from "./errors.js";

export const LENGTH_PREFIX_BYTES = 8;

/** The smallest header that can be valid: "{}". */
const MIN_HEADER_BYTES = 2;

/**
 * Reads and bounds-checks the header length. Checking it against the file size here, before any
 * allocation, is what stops a 20-byte file that claims a 90 MB header from costing 90 MB.
 */
export function decodeHeaderLength(prefix: Uint8Array, fileSize: number, file: string, maxHeaderBytes: number): number {
  if (fileSize < LENGTH_PREFIX_BYTES || prefix.length < LENGTH_PREFIX_BYTES) {
    throw new SafetensorsError({
      code: "TRUNCATED",
      file,
      offset: Math.min(fileSize, prefix.length),
      problem: `the file is ${fileSize} bytes long, too short for the 8-byte header length that starts every safetensors file`,
      fix: "Check that the path points at a complete .safetensors file; the download or write may have been cut short.",
    });
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES);
  const declared = view.getBigUint64(0, true);
  if (declared < BigInt(MIN_HEADER_BYTES)) {
    throw new SafetensorsError({
      code: "HEADER_TOO_SMALL",
      file,
      offset: 0,
      problem: `the header length is ${declared} bytes, but even an empty header "{}" needs 2`,
      fix: FIX_DAMAGED_FILE,
    });
  }
  if (declared > BigInt(maxHeaderBytes)) {
    throw new SafetensorsError({
      code: "HEADER_TOO_LARGE",
      file,
      offset: 0,
      problem: `the header length is ${declared} bytes, more than the limit of ${maxHeaderBytes}`,
      fix: "If the file is trusted and really has a header this large, raise the maxHeaderBytes option; otherwise the file is damaged or not a safetensors file.",
    });
  }
  const headerBytes = Number(declared);
  if (LENGTH_PREFIX_BYTES + headerBytes > fileSize) {
    throw new SafetensorsError({
      code: "HEADER_LENGTH_EXCEEDS_FILE",
      file,
      offset: 0,
      problem: `the header length is ${headerBytes} bytes, but the file has only ${fileSize - LENGTH_PREFIX_BYTES} bytes after the length prefix`,
      fix: "The file is truncated or not a safetensors file; re-download or re-export it.",
    });
  }
  return headerBytes;
}
