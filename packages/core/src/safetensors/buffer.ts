/** In-memory parsing: the same validation as SafetensorsFile, for bytes already in memory. */
import { allocStorage, dtypeBytes } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { assertLittleEndianHost, byteView } from "./bytes.js";
import { validateHeader } from "./header.js";
import { resolveReadOptions, type SafetensorsReadOptions } from "./options.js";
import { decodeHeaderLength, LENGTH_PREFIX_BYTES } from "./prefix.js";
import type { SafetensorsHeader } from "./tensor-info.js";

export interface ParseBufferOptions extends SafetensorsReadOptions {
  /** Names the buffer in error messages (the `file` field). Default: "<buffer>". */
  label?: string;
}

export interface SafetensorsContents {
  readonly metadata: Readonly<Record<string, string>>;
  /** Every tensor, in the order its bytes appear in the buffer. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  /** The validated header: per-tensor dtype, shape and byte positions. */
  readonly header: SafetensorsHeader;
}

/**
 * Validates and decodes a whole safetensors image. Each tensor is copied once into its own
 * freshly allocated storage, so the result is correctly aligned whatever the alignment of the
 * input, and does not keep `bytes` alive.
 */
export function parseSafetensorsBuffer(bytes: Uint8Array, options?: ParseBufferOptions): SafetensorsContents {
  const file = options?.label ?? "<buffer>";
  const resolved = resolveReadOptions(options);
  assertLittleEndianHost(file);
  const headerLength = decodeHeaderLength(bytes.subarray(0, LENGTH_PREFIX_BYTES), bytes.length, file, resolved.maxHeaderBytes);
  const headerBytes = bytes.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + headerLength);
  const header = validateHeader({ file, totalSize: bytes.length, headerBytes }, resolved);

  const tensors = new Map<string, Tensor>();
  for (const info of header.tensors) {
    const storage = allocStorage(info.dtype, info.byteLength / dtypeBytes(info.dtype));
    byteView(storage).set(bytes.subarray(info.byteOffset, info.byteOffset + info.byteLength));
    tensors.set(info.name, Tensor.wrap(info.dtype, storage, info.shape));
  }
  return { metadata: header.metadata, tensors, header };
}
