/**
 * Unstructured pruned weights as a bitmap plus packed values:
 *
 *   bitmap  [rows, ceil(cols/8)] u8   bit p of byte b set when column 8b+p is kept
 *   rowPtr  [rows + 1] i32            offset of each row's first value (lets threads start anywhere)
 *   values  [nnz]                     kept values, row by row, ascending column
 *
 * Bytes per original weight: 1/8 + density x value bytes (f16 at 50%: 1.125; at 10%: 0.325).
 * The fixed 1/8 byte per weight is why it loses to the CSR-style formats at high sparsity.
 */
import { allocWeightStorage } from "@sieve/core";
import { allocValues, checkDenseAndMask, denseReader, valueAt, type Decompressed, type DenseWeight, type SparseValueDtype, type SparseValues } from "./values.js";
import { countKept, validateRowPointers } from "./row-pointers.js";

export interface BitmapWeight {
  format: "bitmap";
  rows: number;
  cols: number;
  values: SparseValues;
  bitmap: Uint8Array;
  rowPtr: Int32Array;
}

export function compressBitmap(dense: DenseWeight, mask: Uint8Array, valueDtype: SparseValueDtype): BitmapWeight {
  checkDenseAndMask("compressBitmap", dense, mask);
  const { rows, cols } = dense;
  const bpr = Math.ceil(cols / 8);
  const values = allocValues(valueDtype, countKept("compressBitmap", mask));
  const bitmap = allocWeightStorage("u8", rows * bpr);
  const rowPtr = new Int32Array(rows + 1);
  const read = denseReader(dense, valueDtype);
  let v = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = v;
    for (let c = 0, i = r * cols; c < cols; c++, i++) {
      if (mask[i] === 0) continue;
      bitmap[r * bpr + (c >> 3)]! |= 1 << (c & 7);
      values[v++] = read(i);
    }
  }
  rowPtr[rows] = v;
  return { format: "bitmap", rows, cols, values, bitmap, rowPtr };
}

/** Calls f(column, valueIndex) for every kept weight of row r, ascending column. */
export function forEachBitmapEntry(w: BitmapWeight, r: number, f: (col: number, valueIndex: number) => void): void {
  const bpr = Math.ceil(w.cols / 8);
  let v = w.rowPtr[r]!;
  for (let b = 0; b < bpr; b++) {
    let bits = w.bitmap[r * bpr + b]!;
    while (bits) {
      const p = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      f(b * 8 + p, v++);
    }
  }
}

export function decompressBitmap(w: BitmapWeight): Decompressed {
  validateBitmap(w);
  const weight = new Float32Array(w.rows * w.cols);
  const mask = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    forEachBitmapEntry(w, r, (col, vi) => {
      weight[r * w.cols + col] = valueAt(w.values, vi);
      mask[r * w.cols + col] = 1;
    });
  }
  return { weight, mask };
}

/** Sizes, row pointers, and that each row's popcount matches its value count; bits past cols are errors. */
export function validateBitmap(w: BitmapWeight, where = "bitmap weight"): void {
  const bpr = Math.ceil(w.cols / 8);
  if (w.bitmap.length !== w.rows * bpr) throw new RangeError(`${where}: bitmap has ${w.bitmap.length} bytes, expected ${w.rows}x${bpr}`);
  validateRowPointers(w.rowPtr, w.rows, w.values.length, where, "rowPtr");
  const tailBits = w.cols % 8;
  for (let r = 0; r < w.rows; r++) {
    let count = 0;
    for (let b = 0; b < bpr; b++) {
      let bits = w.bitmap[r * bpr + b]!;
      if (b === bpr - 1 && tailBits && bits >> tailBits) throw new RangeError(`${where}: row ${r} sets bitmap bits past column ${w.cols - 1}`);
      for (; bits; bits &= bits - 1) count++;
    }
    const stored = w.rowPtr[r + 1]! - w.rowPtr[r]!;
    if (count !== stored) throw new RangeError(`${where}: row ${r} keeps ${count} weights in its bitmap but rowPtr gives it ${stored} values`);
  }
}
