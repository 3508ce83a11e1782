/**
 * Writes a safetensors file whose tensors are produced one at a time. core's writeSafetensors
 * plans the file from Tensor objects, i.e. it needs every tensor's data in memory at once; a
 * synthetic 1.1B model would then hold a whole 2 GB shard. Here each tensor is generated, written
 * and dropped before the next, so peak extra memory is one tensor. Same format as core's writer:
 * u64 little-endian header length, JSON header padded with spaces to 8 bytes, then the data.
 */
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import type { SynthDType } from "./fast-normal.js";

export interface StreamedTensor {
  name: string;
  dtype: SynthDType;
  shape: number[];
  byteLength: number;
  /** The tensor's data in its storage type; called once, when it is written. */
  produce(): Float32Array | Uint16Array;
}

const FILE_DTYPE: Record<SynthDType, string> = { f32: "F32", f16: "F16", bf16: "BF16" };

/** The length prefix and padded JSON header for tensors laid out in the given order. */
export function safetensorsHeader(tensors: readonly StreamedTensor[], metadata: Record<string, string>): Uint8Array {
  const members = [`"__metadata__":${JSON.stringify(metadata)}`];
  let offset = 0;
  for (const t of tensors) {
    members.push(`${JSON.stringify(t.name)}:{"dtype":"${FILE_DTYPE[t.dtype]}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${offset + t.byteLength}]}`);
    offset += t.byteLength;
  }
  const json = Buffer.from(`{${members.join(",")}}`, "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(1 << 30, bytes.length - done), position + done);
    if (bytesWritten <= 0) throw new Error(`write made no progress at byte ${position + done}`);
    done += bytesWritten;
  }
}

/** Writes `path` (via a temporary file renamed on success); returns the file's size. */
export async function writeStreamedSafetensors(path: string, tensors: readonly StreamedTensor[], metadata: Record<string, string> = { format: "pt" }): Promise<number> {
  const header = safetensorsHeader(tensors, metadata);
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, "w");
  try {
    await writeAll(handle, header, 0);
    let position = header.length;
    for (const t of tensors) {
      const data = t.produce();
      if (data.byteLength !== t.byteLength) throw new Error(`${path}: tensor ${t.name} produced ${data.byteLength} bytes, expected ${t.byteLength}`);
      await writeAll(handle, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
      position += t.byteLength;
    }
    await handle.close();
    await rename(temp, path);
    return position;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
