/**
 * Unstructured pruned weights as CSR with 16-bit column indices (cols <= 65536):
 *
 *   rowPtr  [rows + 1] i32   offset of each row's first value
 *   colIdx  [nnz] u16        column of each kept weight, ascending within a row
 *   values  [nnz]
 *
 * Bytes per original weight: density x (value bytes + 2): f16 at 50%: 2.0 (no saving), at 10%: 0.4.
 * On disk colIdx is an I16 tensor holding the u16 bit patterns (core's safetensors has no U16).
 */
import { allocValues, checkDenseAndMask, denseReader, valueAt, type Decompressed, type DenseWeight, type SparseValueDtype, type SparseValues } from "./values.js";
import { countKept, validateRowPointers } from "./row-pointers.js";

export const CSR_MAX_COLS = 65536;

export interface CsrWeight {
  format: "csr";
  rows: number;
  cols: number;
  values: SparseValues;
  colIdx: Uint16Array;
  rowPtr: Int32Array;
}

export function compressCsr(dense: DenseWeight, mask: Uint8Array, valueDtype: SparseValueDtype): CsrWeight {
  checkDenseAndMask("compressCsr", dense, mask);
  const { rows, cols } = dense;
  if (cols > CSR_MAX_COLS) throw new RangeError(`compressCsr: ${cols} columns do not fit 16-bit column indices (at most ${CSR_MAX_COLS})`);
  const nnz = countKept("compressCsr", mask);
  const values = allocValues(valueDtype, nnz);
  const colIdx = new Uint16Array(nnz);
  const rowPtr = new Int32Array(rows + 1);
  const read = denseReader(dense, valueDtype);
  let v = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = v;
    for (let c = 0, i = r * cols; c < cols; c++, i++) {
      if (mask[i] === 0) continue;
      colIdx[v] = c;
      values[v++] = read(i);
    }
  }
  rowPtr[rows] = v;
  return { format: "csr", rows, cols, values, colIdx, rowPtr };
}

export function forEachCsrEntry(w: CsrWeight, r: number, f: (col: number, valueIndex: number) => void): void {
  for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) f(w.colIdx[t]!, t);
}

export function decompressCsr(w: CsrWeight): Decompressed {
  validateCsr(w);
  const weight = new Float32Array(w.rows * w.cols);
  const mask = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    forEachCsrEntry(w, r, (col, t) => {
      weight[r * w.cols + col] = valueAt(w.values, t);
      mask[r * w.cols + col] = 1;
    });
  }
  return { weight, mask };
}

export function validateCsr(w: CsrWeight, where = "CSR weight"): void {
  if (w.cols > CSR_MAX_COLS) throw new RangeError(`${where}: ${w.cols} columns do not fit 16-bit column indices`);
  if (w.colIdx.length !== w.values.length) throw new RangeError(`${where}: colIdx has ${w.colIdx.length} entries but there are ${w.values.length} values`);
  validateRowPointers(w.rowPtr, w.rows, w.values.length, where, "rowPtr");
  for (let r = 0; r < w.rows; r++) {
    let prev = -1;
    for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) {
      const c = w.colIdx[t]!;
      if (c >= w.cols || c <= prev) throw new RangeError(`${where}: row ${r} has column ${c} at entry ${t} (columns must ascend and stay below ${w.cols})`);
      prev = c;
    }
  }
}
