/**
 * The GGUF v3 container, byte by byte: header (magic, version, counts), typed key/values, tensor
 * infos, padding, then tensor data, each tensor at an offset that is a multiple of the alignment.
 * Tensors are produced one at a time by their `bytes()` callbacks, so a writer never holds more
 * than one tensor's bytes beyond what the caller already has.
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_VALUE } from "./gguf-format.js";

/** A metadata value with its GGUF type. */
export type GgufKvValue =
  | { type: "string"; value: string }
  | { type: "u32" | "i32" | "f32" | "u64"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string[]"; value: readonly string[] }
  | { type: "f32[]" | "i32[]"; value: ArrayLike<number> };

export interface GgufTensorToWrite {
  name: string;
  /** ggml_type code (GGML_TYPE). */
  ggmlType: number;
  /** Dims fastest-first (the reverse of the row-major shape). */
  dims: number[];
  byteLength: number;
  /** The tensor's bytes; called once, when the tensor is written. */
  bytes(): Uint8Array | Promise<Uint8Array>;
}

/** A growable little-endian byte buffer for the header. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  string(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    const target = Math.ceil(this.length / alignment) * alignment;
    this.reserve(target - this.length);
    this.buf.fill(0, this.length, target);
    this.length = target;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function writeValue(sink: ByteSink, v: GgufKvValue): void {
  const scalar = (type: number, put: () => void): void => {
    sink.u32(type);
    put();
  };
  const array = (elementType: number, n: number, put: (i: number) => void): void => {
    sink.u32(GGUF_VALUE.ARRAY);
    sink.u32(elementType);
    sink.u64(n);
    for (let i = 0; i < n; i++) put(i);
  };
  switch (v.type) {
    case "string": return scalar(GGUF_VALUE.STRING, () => sink.string(v.value));
    case "u32": return scalar(GGUF_VALUE.UINT32, () => sink.u32(v.value));
    case "i32": return scalar(GGUF_VALUE.INT32, () => sink.i32(v.value));
    case "f32": return scalar(GGUF_VALUE.FLOAT32, () => sink.f32(v.value));
    case "u64": return scalar(GGUF_VALUE.UINT64, () => sink.u64(v.value));
    case "bool": return scalar(GGUF_VALUE.BOOL, () => sink.u8(v.value ? 1 : 0));
    case "string[]": return array(GGUF_VALUE.STRING, v.value.length, (i) => sink.string(v.value[i]!));
    case "f32[]": return array(GGUF_VALUE.FLOAT32, v.value.length, (i) => sink.f32(v.value[i]!));
    case "i32[]": return array(GGUF_VALUE.INT32, v.value.length, (i) => sink.i32(v.value[i]!));
  }
}

/** Header bytes (padded) and the data offset of each tensor, relative to the data section. */
export function encodeGgufHeader(
  kvs: ReadonlyArray<readonly [string, GgufKvValue]>,
  tensors: readonly GgufTensorToWrite[],
  alignment = GGUF_DEFAULT_ALIGNMENT,
): { header: Uint8Array; offsets: number[]; dataLength: number } {
  const sink = new ByteSink();
  sink.u8(0x47); // "GGUF"
  sink.u8(0x47);
  sink.u8(0x55);
  sink.u8(0x46);
  sink.u32(3);
  sink.u64(tensors.length);
  sink.u64(kvs.length + (alignment === GGUF_DEFAULT_ALIGNMENT ? 0 : 1));
  if (alignment !== GGUF_DEFAULT_ALIGNMENT) {
    sink.string("general.alignment");
    writeValue(sink, { type: "u32", value: alignment });
  }
  for (const [key, value] of kvs) {
    sink.string(key);
    writeValue(sink, value);
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    offsets.push(offset);
    sink.string(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.ggmlType);
    sink.u64(offset);
    offset = Math.ceil((offset + t.byteLength) / alignment) * alignment;
  }
  sink.pad(alignment);
  return { header: sink.bytes(), offsets, dataLength: offset };
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  const chunk = 1 << 30; // keep single writes well under the ~2 GiB per-call limit
  for (let done = 0; done < bytes.length; ) {
    const n = Math.min(chunk, bytes.length - done);
    const { bytesWritten } = await handle.write(bytes, done, n, position + done);
    if (bytesWritten <= 0) throw new Error(`GGUF write made no progress at byte ${position + done}`);
    done += bytesWritten;
  }
}

/**
 * Writes a GGUF v3 file: into a temporary file beside `path`, renamed over it when complete, so
 * readers never see a half-written file.
 */
export async function writeGgufFile(
  path: string,
  kvs: ReadonlyArray<readonly [string, GgufKvValue]>,
  tensors: readonly GgufTensorToWrite[],
  alignment = GGUF_DEFAULT_ALIGNMENT,
): Promise<void> {
  const { header, offsets, dataLength } = encodeGgufHeader(kvs, tensors, alignment);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    await writeAll(handle, header, 0);
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      const bytes = await t.bytes();
      if (bytes.length !== t.byteLength) throw new Error(`GGUF writer: tensor ${t.name} gave ${bytes.length} bytes, expected ${t.byteLength}`);
      await writeAll(handle, bytes, header.length + offsets[i]!);
    }
    // The file must end at the aligned end of the data section, as llama.cpp expects.
    await handle.truncate(header.length + dataLength);
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
