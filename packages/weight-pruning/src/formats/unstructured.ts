/**
 * The unstructured format a pruned layer is stored in when nobody asks for a particular one.
 * Chosen by measured batch-1 GEMV speed across 50%-95% sparsity on 2048x2048 and 5632x2048
 * (tooling/pruning/format-choice.ts; numbers in docs/results/unstructured-format-choice.md):
 * CSR with u16 columns was fastest, or within noise of the fastest, at every level. Its kernel
 * does the least work per kept weight (one gather lane, no block bookkeeping), which is what
 * counts on a CPU that is not purely memory-bound; bcsr (fewer bytes) and bitmap stay available
 * by name. Columns beyond 16 bits fall back to bcsr.
 */
import { compressBlockedCsr } from "./bcsr.js";
import { compressBitmap } from "./bitmap.js";
import { CSR_MAX_COLS, compressCsr } from "./csr.js";
import type { UnstructuredFormat, UnstructuredWeight } from "./sparse-weight.js";
import type { DenseWeight, SparseValueDtype } from "./values.js";

export type UnstructuredChoice = UnstructuredFormat | "auto";

export function chooseUnstructuredFormat(cols: number): UnstructuredFormat {
  return cols <= CSR_MAX_COLS ? "csr" : "bcsr";
}

export function compressUnstructured(dense: DenseWeight, mask: Uint8Array, valueDtype: SparseValueDtype, format: UnstructuredChoice = "auto"): UnstructuredWeight {
  const chosen = format === "auto" ? chooseUnstructuredFormat(dense.cols) : format;
  switch (chosen) {
    case "bitmap":
      return compressBitmap(dense, mask, valueDtype);
    case "csr":
      return compressCsr(dense, mask, valueDtype);
    case "bcsr":
      return compressBlockedCsr(dense, mask, valueDtype);
  }
}
