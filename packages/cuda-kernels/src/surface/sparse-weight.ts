/**
 * Native kernels for pruned weights (native/napi/sparse_weight_ops.cc): linear layers whose
 * weight W[rows, cols] is stored compressed, out[batch, rows] = x[batch, cols] · W^T (+ bias).
 * Activations and outputs are f32; values are f32 (Float32Array, valueDtype 0) or f16 bits
 * (Uint16Array, valueDtype 1). batch 1 runs the GEMV (decode) kernel, larger batches a GEMM that
 * reads each compressed row once for all activation rows. Byte layouts:
 * docs/formats/sparse-weights.md. Lengths are checked and throw TypeError/RangeError naming the
 * argument; index contents are clamped by the kernels (wrong numbers, never out-of-bounds).
 */

/** 0 = f32 values in a Float32Array, 1 = f16 bits in a Uint16Array. */
export type SparseValueDtypeCode = 0 | 1;

/** The format names sparseWeightKernel() knows. */
export type SparseWeightFormatName = "nm-2:4" | "nm-4:8" | "bitmap" | "csr" | "bcsr" | "csr8";

export interface SparseWeightOps {
  /**
   * N:M (2:4 or 4:8) compressed weight: values [rows, ceil(cols/m)*n], indices [rows, ceil(cols/8)]
   * bytes (2:4: 2-bit positions; 4:8: a bitmap byte per group of 8).
   */
  nmLinear(
    out: Float32Array, x: Float32Array, values: Float32Array | Uint16Array, valueDtype: SparseValueDtypeCode,
    indices: Uint8Array, n: number, m: number, batch: number, rows: number, cols: number, bias: Float32Array | null,
  ): void;
  /** Bitmap: bitmap [rows, ceil(cols/8)] bytes, rowPtr [rows+1], values [nnz] packed by row. */
  bitmapLinear(
    out: Float32Array, x: Float32Array, values: Float32Array | Uint16Array, valueDtype: SparseValueDtypeCode,
    bitmap: Uint8Array, rowPtr: Int32Array, batch: number, rows: number, cols: number, bias: Float32Array | null,
  ): void;
  /** CSR with u16 columns (cols <= 65536): colIdx [nnz], rowPtr [rows+1], values [nnz]. */
  csrLinear(
    out: Float32Array, x: Float32Array, values: Float32Array | Uint16Array, valueDtype: SparseValueDtypeCode,
    colIdx: Uint16Array, rowPtr: Int32Array, batch: number, rows: number, cols: number, bias: Float32Array | null,
  ): void;
  /** Blocked CSR: colLo [nnz] u8 offsets in 256-column blocks, blockPtr [rows*ceil(cols/256)+1], values [nnz]. */
  bcsrLinear(
    out: Float32Array, x: Float32Array, values: Float32Array | Uint16Array, valueDtype: SparseValueDtypeCode,
    colLo: Uint8Array, blockPtr: Int32Array, batch: number, rows: number, cols: number, bias: Float32Array | null,
  ): void;
  /**
   * Chunked CSR with 8-bit offsets (cols <= 65536): base [chunks] u16 (column of each chunk's
   * first weight), offset [chunks*8] u8, values [chunks*8] (zeros in padding slots), rowChunk [rows+1].
   */
  csr8Linear(
    out: Float32Array, x: Float32Array, values: Float32Array | Uint16Array, valueDtype: SparseValueDtypeCode,
    offset: Uint8Array, base: Uint16Array, rowChunk: Int32Array, batch: number, rows: number, cols: number, bias: Float32Array | null,
  ): void;
  /** The kernel variant that runs now for a format at a batch size, e.g. "avx2-nm24-gemv". */
  sparseWeightKernel(format: SparseWeightFormatName, batch: number): string;
}
