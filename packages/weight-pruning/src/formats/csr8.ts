/**
 * Unstructured pruned weights as chunked CSR with 8-bit offsets: each row's kept weights are cut
 * into chunks of 8 that share a 16-bit base column (the column of the chunk's first weight); each
 * weight stores only its 8-bit offset from that base. A chunk ends after 8 weights, at the end of
 * its row, or before a weight 256 or more columns past its base; unused slots are padding (offset
 * 0, value 0: since offsets ascend strictly from 0, a 0 after the first slot is always padding).
 *
 *   rowChunk  [rows + 1] i32    first chunk of each row
 *   base      [chunks] u16      column of each chunk's first weight (cols <= 65536)
 *   offset    [chunks * 8] u8   column - base
 *   values    [chunks * 8]      zeros in padding slots
 *
 * Bytes per kept weight: value bytes + 1 + 2/8 (f16: 3.25, vs CSR's 4), plus padding: one
 * partial chunk per row, and at very high sparsity chunks cut short by 256-column gaps. Decoding
 * needs no prefix sums: the kernel gathers x[base + offset] with base as the scalar pointer.
 * On disk, base is an I16 tensor holding the u16 bit patterns (core's safetensors has no U16).
 */
import { allocWeightStorage } from "@sieve/core";
import { allocValues, checkDenseAndMask, denseReader, valueAt, type Decompressed, type DenseWeight, type SparseValueDtype, type SparseValues } from "./values.js";
import { validateRowPointers } from "./row-pointers.js";

export const CSR8_CHUNK = 8;
export const CSR8_SPAN = 256;
export const CSR8_MAX_COLS = 65536;

export interface Csr8Weight {
  format: "csr8";
  rows: number;
  cols: number;
  values: SparseValues;
  offset: Uint8Array;
  base: Uint16Array;
  rowChunk: Int32Array;
}

/** Chunks each row needs (first pass of the compressor, so arrays are allocated once). */
function countChunks(mask: Uint8Array, rows: number, cols: number): Int32Array {
  const rowChunk = new Int32Array(rows + 1);
  let chunks = 0;
  for (let r = 0; r < rows; r++) {
    rowChunk[r] = chunks;
    let inChunk = 0;
    let base = 0;
    for (let c = 0, i = r * cols; c < cols; c++, i++) {
      if (mask[i] === 0) continue;
      if (inChunk === 0 || inChunk === CSR8_CHUNK || c - base >= CSR8_SPAN) {
        chunks++;
        inChunk = 0;
        base = c;
      }
      inChunk++;
    }
  }
  rowChunk[rows] = chunks;
  if (chunks * CSR8_CHUNK > 0x7fffffff) throw new RangeError(`compressCsr8: ${chunks} chunks exceed the int32 offsets of the format`);
  return rowChunk;
}

export function compressCsr8(dense: DenseWeight, mask: Uint8Array, valueDtype: SparseValueDtype): Csr8Weight {
  checkDenseAndMask("compressCsr8", dense, mask);
  const { rows, cols } = dense;
  if (cols > CSR8_MAX_COLS) throw new RangeError(`compressCsr8: ${cols} columns do not fit 16-bit chunk bases (at most ${CSR8_MAX_COLS})`);
  const rowChunk = countChunks(mask, rows, cols);
  const chunks = rowChunk[rows]!;
  const values = allocValues(valueDtype, chunks * CSR8_CHUNK);
  const offset = allocWeightStorage("u8", chunks * CSR8_CHUNK);
  const base = new Uint16Array(chunks);
  const read = denseReader(dense, valueDtype);
  let chunk = -1;
  for (let r = 0; r < rows; r++) {
    let inChunk = 0;
    for (let c = 0, i = r * cols; c < cols; c++, i++) {
      if (mask[i] === 0) continue;
      if (inChunk === 0 || inChunk === CSR8_CHUNK || c - base[chunk]! >= CSR8_SPAN) {
        chunk++;
        inChunk = 0;
        base[chunk] = c;
      }
      const slot = chunk * CSR8_CHUNK + inChunk++;
      offset[slot] = c - base[chunk]!;
      values[slot] = read(i);
    }
  }
  return { format: "csr8", rows, cols, values, offset, base, rowChunk };
}

/** Calls f(column, valueIndex) for every kept weight of row r (padding skipped), ascending column. */
export function forEachCsr8Entry(w: Csr8Weight, r: number, f: (col: number, valueIndex: number) => void): void {
  for (let c = w.rowChunk[r]!; c < w.rowChunk[r + 1]!; c++) {
    const b = w.base[c]!;
    for (let t = 0; t < CSR8_CHUNK; t++) {
      const slot = c * CSR8_CHUNK + t;
      if (t > 0 && w.offset[slot] === 0) break;
      f(b + w.offset[slot]!, slot);
    }
  }
}

export function decompressCsr8(w: Csr8Weight): Decompressed {
  validateCsr8(w);
  const weight = new Float32Array(w.rows * w.cols);
  const mask = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    forEachCsr8Entry(w, r, (col, slot) => {
      weight[r * w.cols + col] = valueAt(w.values, slot);
      mask[r * w.cols + col] = 1;
    });
  }
  return { weight, mask };
}

/** Sizes, chunk pointers, columns in range and strictly ascending (also across a row's chunks). */
export function validateCsr8(w: Csr8Weight, where = "csr8 weight"): void {
  if (w.cols > CSR8_MAX_COLS) throw new RangeError(`${where}: ${w.cols} columns do not fit 16-bit chunk bases`);
  const chunks = w.base.length;
  if (w.offset.length !== chunks * CSR8_CHUNK) throw new RangeError(`${where}: offset has ${w.offset.length} entries, expected 8 per chunk (${chunks * CSR8_CHUNK})`);
  if (w.values.length !== chunks * CSR8_CHUNK) throw new RangeError(`${where}: values has ${w.values.length} entries, expected 8 per chunk (${chunks * CSR8_CHUNK})`);
  validateRowPointers(w.rowChunk, w.rows, chunks, where, "rowChunk");
  for (let r = 0; r < w.rows; r++) {
    let prev = -1;
    for (let c = w.rowChunk[r]!; c < w.rowChunk[r + 1]!; c++) {
      if (w.offset[c * CSR8_CHUNK] !== 0) throw new RangeError(`${where}: row ${r} chunk ${c} does not start at offset 0`);
      let last = -1;
      for (let t = 0; t < CSR8_CHUNK; t++) {
        const off = w.offset[c * CSR8_CHUNK + t]!;
        if (t > 0 && off === 0) {
          // Padding: the native GEMV multiplies every slot, so padding must hold zeros.
          for (let u = t; u < CSR8_CHUNK; u++) {
            if (w.offset[c * CSR8_CHUNK + u] !== 0 || valueAt(w.values, c * CSR8_CHUNK + u) !== 0) {
              throw new RangeError(`${where}: row ${r} chunk ${c} slot ${u} is padding but holds offset ${w.offset[c * CSR8_CHUNK + u]} / value ${valueAt(w.values, c * CSR8_CHUNK + u)}`);
            }
          }
          break;
        }
        const col = w.base[c]! + off;
        if (off <= last || col <= prev || col >= w.cols) {
          throw new RangeError(`${where}: row ${r} chunk ${c} slot ${t} has column ${col} (columns must ascend and stay below ${w.cols})`);
        }
        last = off;
        prev = col;
      }
    }
  }
}
