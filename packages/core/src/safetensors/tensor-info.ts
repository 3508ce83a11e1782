/** What a validated header says about the file: the shapes every reader hands out. */
import type { DType } from "../tensor/dtype.js";

/** One tensor's entry in a validated header. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Absolute position of the tensor's first byte in the file (header included). */
  readonly byteOffset: number;
  readonly byteLength: number;
  /** The [begin, end) pair as written in the header, relative to the start of the data buffer. */
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsHeader {
  /** The "__metadata__" string map; empty when the file has none. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every tensor, in the order its bytes appear in the data buffer. */
  readonly tensors: readonly TensorInfo[];
  /** Absolute file offset of the data buffer (8 + header length). */
  readonly dataStart: number;
  /** Bytes from dataStart to the end of the file. */
  readonly dataLength: number;
}
