/**
 * Whole-range positional reads and writes. A single read or write may move fewer bytes than asked
 * (Linux caps one call at about 2 GiB, and signals or network filesystems can cut it short), so
 * both loop; chunking also means no single I/O call, or Buffer, ever exceeds MAX_IO_CHUNK.
 */

/** The part of fs.promises.FileHandle that reading needs; tests substitute a fake. */
export interface PositionalReader {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** The part of fs.promises.FileHandle that writing needs; tests substitute a fake. */
export interface PositionalWriter {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
}

/** 1 GiB: well under the ~2 GiB per-call limits of Node, libuv and the Linux kernel. */
export const MAX_IO_CHUNK = 1 << 30;

/**
 * Fills `target` from `position` onwards, straight into its memory. Returns the number of bytes
 * read, which is less than target.length only when the file ended first.
 */
export async function readFully(
  handle: PositionalReader,
  target: Uint8Array,
  position: number,
  maxChunk = MAX_IO_CHUNK,
): Promise<number> {
  let done = 0;
  while (done < target.length) {
    const length = Math.min(maxChunk, target.length - done);
    const { bytesRead } = await handle.read(target, done, length, position + done);
    if (bytesRead === 0) break; // end of file
    done += bytesRead;
  }
  return done;
}

/** Writes all of `bytes` at `position`. */
export async function writeFully(
  handle: PositionalWriter,
  bytes: Uint8Array,
  position: number,
  maxChunk = MAX_IO_CHUNK,
): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const length = Math.min(maxChunk, bytes.length - done);
    const { bytesWritten } = await handle.write(bytes, done, length, position + done);
    // A zero-byte write without an error would otherwise spin forever.
    if (bytesWritten <= 0) throw new Error(`write made no progress at file position ${position + done}`);
    done += bytesWritten;
  }
}
