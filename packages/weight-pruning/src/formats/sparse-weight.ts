/**
 * Every compressed weight format behind one discriminated union, with what layers, checkpoints
 * and benchmarks ask of any of them: its name, bytes, sparsity, and the dense weight back.
 */
import { decompressBitmap, validateBitmap, type BitmapWeight } from "./bitmap.js";
import { decompressBlockedCsr, validateBlockedCsr, type BlockedCsrWeight } from "./bcsr.js";
import { decompressCsr, validateCsr, type CsrWeight } from "./csr.js";
import { decompressCsr8, forEachCsr8Entry, validateCsr8, type Csr8Weight } from "./csr8.js";
import { decompressNm, nmFormatName, validateNm, type NmWeight } from "./nm.js";
import { valueDtypeOf, type Decompressed, type SparseValueDtype } from "./values.js";

export type UnstructuredWeight = BitmapWeight | CsrWeight | BlockedCsrWeight | Csr8Weight;
export type SparseWeight = NmWeight | UnstructuredWeight;
export type UnstructuredFormat = UnstructuredWeight["format"];

/** "nm-2:4", "nm-4:8", "bitmap", "csr", "bcsr" or "csr8": the name in metadata, describe() and kernel lookups. */
export function sparseFormatName(w: SparseWeight): string {
  return w.format === "nm" ? nmFormatName(w.pattern) : w.format;
}

export function sparseValueDtype(w: SparseWeight): SparseValueDtype {
  return valueDtypeOf(w.values);
}

/** Bytes the weight occupies (values + indices + pointers): what a decode step reads of it. */
export function sparseWeightBytes(w: SparseWeight): number {
  switch (w.format) {
    case "nm":
      return w.values.byteLength + w.indices.byteLength;
    case "bitmap":
      return w.values.byteLength + w.bitmap.byteLength + w.rowPtr.byteLength;
    case "csr":
      return w.values.byteLength + w.colIdx.byteLength + w.rowPtr.byteLength;
    case "bcsr":
      return w.values.byteLength + w.colLo.byteLength + w.blockPtr.byteLength;
    case "csr8":
      return w.values.byteLength + w.offset.byteLength + w.base.byteLength + w.rowChunk.byteLength;
  }
}

/**
 * Fraction of the rows x cols weights that are not kept: N:M 1 - N/M (its padding slots count as
 * stored); csr8 counts kept weights, not its padding slots.
 */
export function sparseWeightSparsity(w: SparseWeight): number {
  const total = w.rows * w.cols;
  if (total === 0) return 0;
  let kept = w.values.length;
  if (w.format === "csr8") {
    kept = 0;
    for (let r = 0; r < w.rows; r++) forEachCsr8Entry(w, r, () => kept++);
  }
  return Math.max(0, 1 - kept / total);
}

export function decompressSparseWeight(w: SparseWeight): Decompressed {
  switch (w.format) {
    case "nm":
      return decompressNm(w);
    case "bitmap":
      return decompressBitmap(w);
    case "csr":
      return decompressCsr(w);
    case "bcsr":
      return decompressBlockedCsr(w);
    case "csr8":
      return decompressCsr8(w);
  }
}

/** Full check of sizes and index contents; run once when a weight is loaded, never per call. */
export function validateSparseWeight(w: SparseWeight, where?: string): void {
  switch (w.format) {
    case "nm":
      return validateNm(w, where);
    case "bitmap":
      return validateBitmap(w, where);
    case "csr":
      return validateCsr(w, where);
    case "bcsr":
      return validateBlockedCsr(w, where);
    case "csr8":
      return validateCsr8(w, where);
  }
}
