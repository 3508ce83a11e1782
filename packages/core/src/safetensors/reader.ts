/**
 * Lazy reading of a safetensors file: open validates only the header; each tensor is read on
 * demand, from disk straight into the typed array that becomes its storage.
 */
import { open, type FileHandle } from "node:fs/promises";
import { allocStorage, dtypeBytes, type DType, type StorageAllocator } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { assertLittleEndianHost, byteView } from "./bytes.js";
import { SafetensorsError } from "./errors.js";
import { readFully } from "./file-io.js";
import { validateHeader } from "./header.js";
import { resolveReadOptions, type SafetensorsReadOptions } from "./options.js";
import { decodeHeaderLength, LENGTH_PREFIX_BYTES } from "./prefix.js";
import type { SafetensorsHeader, TensorInfo } from "./tensor-info.js";

export class SafetensorsFile implements AsyncDisposable {
  readonly path: string;
  private handle: FileHandle | undefined;
  private readonly header: SafetensorsHeader;
  private readonly byName: ReadonlyMap<string, TensorInfo>;

  private constructor(path: string, handle: FileHandle, header: SafetensorsHeader) {
    this.path = path;
    this.handle = handle;
    this.header = header;
    this.byName = new Map(header.tensors.map((info) => [info.name, info]));
  }

  /**
   * Opens `path` and validates its header (nothing else is read). Throws SafetensorsError for a
   * malformed file; I/O failures (ENOENT, EACCES, ...) surface as Node's own errors. Close the
   * result when done, or use `await using file = await SafetensorsFile.open(path)`.
   */
  static async open(path: string, options?: SafetensorsReadOptions): Promise<SafetensorsFile> {
    const resolved = resolveReadOptions(options);
    assertLittleEndianHost(path);
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
      const prefixRead = await readFully(handle, prefix, 0);
      const headerLength = decodeHeaderLength(prefix.subarray(0, prefixRead), size, path, resolved.maxHeaderBytes);
      const headerBytes = new Uint8Array(headerLength);
      const headerRead = await readFully(handle, headerBytes, LENGTH_PREFIX_BYTES);
      if (headerRead < headerLength) throw truncated(path, undefined, LENGTH_PREFIX_BYTES + headerRead);
      const header = validateHeader({ file: path, totalSize: size, headerBytes }, resolved);
      return new SafetensorsFile(path, handle, header);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** The header's "__metadata__" map (empty when absent). */
  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /** Tensor names in the order their bytes appear in the file (sequential reads follow it). */
  names(): string[] {
    return this.header.tensors.map((info) => info.name);
  }

  /** Every tensor's info, in file order. */
  infos(): readonly TensorInfo[] {
    return this.header.tensors;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.byName.get(name);
    if (info) return info;
    throw new SafetensorsError({
      code: "UNKNOWN_TENSOR",
      file: this.path,
      tensor: name,
      problem: `the file has no tensor of this name (it has ${this.byName.size})`,
      fix: "Check the name against names().",
    });
  }

  /**
   * Reads a tensor into freshly allocated storage of its dtype: one copy, disk to final buffer.
   * `allocate` chooses where that storage comes from (model loaders pass allocWeightStorage).
   */
  async read(name: string, allocate: StorageAllocator = allocStorage): Promise<Tensor> {
    const info = this.info(name);
    const storage = allocate(info.dtype, info.byteLength / dtypeBytes(info.dtype));
    await this.readInto(name, storage);
    return Tensor.wrap(info.dtype, storage, info.shape);
  }

  /**
   * Reads a tensor's bytes into `target`, which must be exactly info(name).byteLength bytes and
   * either the dtype's storage type (Float32Array for f32, Uint16Array for f16/bf16, ...) or raw
   * bytes (Uint8Array, DataView). Returns `target`.
   */
  async readInto<T extends ArrayBufferView>(name: string, target: T): Promise<T> {
    const info = this.info(name);
    checkTarget(this.path, info, target);
    const handle = this.openHandle(name);
    const bytesRead = await readFully(handle, byteView(target), info.byteOffset);
    if (bytesRead < info.byteLength) throw truncated(this.path, name, info.byteOffset + bytesRead);
    return target;
  }

  /** Closes the file handle; later reads throw CLOSED. Safe to call more than once. */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private openHandle(tensor: string): FileHandle {
    if (this.handle) return this.handle;
    throw new SafetensorsError({
      code: "CLOSED",
      file: this.path,
      tensor,
      problem: "the file was already closed",
      fix: "Read every tensor you need before calling close().",
    });
  }
}

function checkTarget(file: string, info: TensorInfo, target: ArrayBufferView): void {
  const targetType = (target as object).constructor?.name ?? typeof target;
  const rawBytes = target instanceof Uint8Array || target instanceof DataView;
  const storageType = storageConstructorOf(info.dtype);
  if (!rawBytes && !(target instanceof storageType)) {
    throw new SafetensorsError({
      code: "BAD_TARGET",
      file,
      tensor: info.name,
      problem: `the target is a ${targetType}, but a ${info.dtype} tensor reads into a ${storageType.name} (or raw bytes)`,
      fix: `Pass a ${storageType.name} or a Uint8Array.`,
    });
  }
  if (target.byteLength !== info.byteLength) {
    throw new SafetensorsError({
      code: "BAD_TARGET",
      file,
      tensor: info.name,
      problem: `the target holds ${target.byteLength} bytes, but the tensor has ${info.byteLength}`,
      fix: "Allocate the target from info(name).byteLength.",
    });
  }
}

function storageConstructorOf(dtype: DType): abstract new (...args: never[]) => ArrayBufferView {
  return allocStorage(dtype, 0).constructor as abstract new (...args: never[]) => ArrayBufferView;
}

function truncated(file: string, tensor: string | undefined, offset: number): SafetensorsError {
  return new SafetensorsError({
    code: "TRUNCATED",
    file,
    tensor,
    offset,
    problem: "the file ends here, before the bytes its header promises (it shrank after it was opened?)",
    fix: "Make sure nothing rewrites the file while it is open, then re-open it.",
  });
}
