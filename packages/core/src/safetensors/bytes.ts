/** Raw-byte views of typed arrays, and the byte-order assumption they rely on. */
import { SafetensorsError } from "./errors.js";

/** The same memory as `view`, as bytes (no copy). */
export function byteView(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Safetensors data is little-endian and we move it between disk and typed arrays without
 * swapping bytes, which is only correct on a little-endian host (every platform Node ships for
 * today). Failing loudly beats silently byte-swapped weights should that ever change.
 */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function assertLittleEndianHost(file: string): void {
  if (HOST_IS_LITTLE_ENDIAN) return;
  throw new SafetensorsError({
    code: "UNSUPPORTED_HOST",
    file,
    problem: "this host is big-endian, and Sieve's safetensors I/O does not byte-swap",
    fix: "Run on a little-endian machine (x86-64, arm64).",
  });
}
