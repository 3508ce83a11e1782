/**
 * The unstructured format a pruned layer is stored in when nobody asks for a particular one,
 * chosen by measured batch-1 GEMV speed across 50%-95% sparsity on 2048x2048 and 5632x2048, f16
 * values, 1 and 2 threads (tooling/pruning/format-choice.ts; the numbers are in
 * docs/results/unstructured-format-choice.md):
 *   - from 70% sparsity up, CSR with u16 columns was fastest at every level (80-100% of its
 *     byte-count ceiling; its kernel does the least work per kept weight: one gather lane);
 *   - at 50% CSR saves no bytes (4 bytes per kept f16 weight: 2.0 bytes/weight) and the bitmap
 *     (1/8 byte per weight + values: 1.125) was faster; at 60% the two tied and the bitmap is
 *     smaller (0.93 vs 1.6 bytes/weight), so the switch sits between 60% and 70%;
 *   - bcsr (u8 column offsets, fewest bytes) lost everywhere: its block bookkeeping costs more
 *     compute than its bytes save on these CPUs. It stays available by name.
 * Columns beyond 16 bits (65536) cannot use CSR and fall back to bcsr.
 */
import { compressBlockedCsr } from "./bcsr.js";
import { compressBitmap } from "./bitmap.js";
import { CSR_MAX_COLS, compressCsr } from "./csr.js";
import { countKept } from "./row-pointers.js";
import type { UnstructuredFormat, UnstructuredWeight } from "./sparse-weight.js";
import type { DenseWeight, SparseValueDtype } from "./values.js";

export type UnstructuredChoice = UnstructuredFormat | "auto";

/** Below this sparsity the bitmap is chosen, at or above it CSR (see above). */
export const BITMAP_BELOW_SPARSITY = 0.65;

export function chooseUnstructuredFormat(sparsity: number, cols: number): UnstructuredFormat {
  if (sparsity < BITMAP_BELOW_SPARSITY) return "bitmap";
  return cols <= CSR_MAX_COLS ? "csr" : "bcsr";
}

export function compressUnstructured(dense: DenseWeight, mask: Uint8Array, valueDtype: SparseValueDtype, format: UnstructuredChoice = "auto"): UnstructuredWeight {
  const total = dense.rows * dense.cols;
  const chosen = format === "auto" ? chooseUnstructuredFormat(total ? 1 - countKept("compressUnstructured", mask) / total : 0, dense.cols) : format;
  switch (chosen) {
    case "bitmap":
      return compressBitmap(dense, mask, valueDtype);
    case "csr":
      return compressCsr(dense, mask, valueDtype);
    case "bcsr":
      return compressBlockedCsr(dense, mask, valueDtype);
  }
}
