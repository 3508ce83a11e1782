/**
 * Positional reads straight into a tensor's final typed array. One logical read may take several
 * calls: the kernel may return short reads, and Node refuses single reads over ~2 GiB.
 */
import type { FileHandle } from "node:fs/promises";
import { CheckpointFormatError } from "./format-error.js";

/** 1 GiB per call: well under the per-call limits of Node, libuv and Linux. */
const MAX_READ_CHUNK = 1 << 30;

/** Bytes of any typed array, without copying. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Fills `target` with the file's bytes from `position`. Throws a CheckpointFormatError naming
 * `field` when the file ends first (a truncated file).
 */
export async function readExactly(handle: FileHandle, target: ArrayBufferView, position: number, file: string, field: string): Promise<void> {
  const bytes = bytesOf(target);
  let done = 0;
  while (done < bytes.length) {
    const length = Math.min(MAX_READ_CHUNK, bytes.length - done);
    const { bytesRead } = await handle.read(bytes, done, length, position + done);
    if (bytesRead === 0) {
      throw new CheckpointFormatError(file, field, position + done, `the file ends here, ${bytes.length - done} bytes short of this ${bytes.length}-byte field (truncated file?)`);
    }
    done += bytesRead;
  }
}
