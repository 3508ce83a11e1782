/**
 * Writes a safetensors file tensor by tensor (never the whole file in memory) into a temporary
 * file beside the target, then renames it over the target: readers see the old file or the
 * complete new one, never a half-written one.
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { assertLittleEndianHost, byteView } from "./bytes.js";
import { writeFully } from "./file-io.js";
import { planSafetensors, type TensorsToWrite } from "./plan.js";

/**
 * Writes `tensors` (and optional string metadata) to `path`, replacing any existing file.
 * Tensors are ordered by element size, then name (see planSafetensors); non-contiguous views are
 * made contiguous one tensor at a time, so peak extra memory is one tensor.
 */
export async function writeSafetensors(
  path: string,
  tensors: TensorsToWrite,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  assertLittleEndianHost(path);
  const plan = planSafetensors(tensors, metadata, path);
  // Same directory as the target, so the rename never crosses filesystems (which is not atomic).
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(tempPath, "wx");
  try {
    await writeFully(handle, plan.prefixAndHeader, 0);
    const dataStart = plan.prefixAndHeader.length;
    for (const entry of plan.tensors) {
      const data = entry.tensor.contiguous().contiguousData();
      await writeFully(handle, byteView(data), dataStart + entry.begin);
    }
    // Flush before the rename; otherwise a crash could leave the new name on empty blocks.
    await handle.sync();
    await handle.close();
    await rename(tempPath, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
}
