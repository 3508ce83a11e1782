/**
 * The unstructured format a pruned layer is stored in when nobody asks for a particular one,
 * chosen by measured batch-1 GEMV speed across 50%-95% sparsity on 2048x2048 and 5632x2048, f16
 * values, 1 and 2 threads (tooling/pruning/format-choice.ts; the numbers are in
 * docs/results/unstructured-format-choice.md). Candidates: bitmap, csr (u16 columns), bcsr (u8
 * offsets in 256-column blocks) and csr8 (chunks of 8 with a u16 base and u8 offsets).
 *   - csr8 was the fastest at every level (geometric mean over shapes and threads: 1.19x dense at
 *     50% up to 9.1x at 95%, 85-100% of its byte-count ceiling): it reads 3.25 bytes per kept f16
 *     weight and its kernel does the least work per chunk (one gather from x + base, no tails);
 *   - csr (4 bytes per kept weight) came second from 60% up; the bitmap (1/8 byte per weight +
 *     values, the smallest at 50%) is compute-bound at about 1.2-1.5x whatever the sparsity;
 *   - bcsr (fewest bytes at high sparsity) lost everywhere: its block bookkeeping costs more
 *     compute than its bytes save on these CPUs.
 * All four stay available by name. csr8 needs cols <= 65536 (16-bit bases); wider layers use bcsr.
 */
import { compressBlockedCsr } from "./bcsr.js";
import { compressBitmap } from "./bitmap.js";
import { compressCsr } from "./csr.js";
import { CSR8_MAX_COLS, compressCsr8 } from "./csr8.js";
import type { UnstructuredFormat, UnstructuredWeight } from "./sparse-weight.js";
import type { DenseWeight, SparseValueDtype } from "./values.js";

export type UnstructuredChoice = UnstructuredFormat | "auto";

export function chooseUnstructuredFormat(cols: number): UnstructuredFormat {
  return cols <= CSR8_MAX_COLS ? "csr8" : "bcsr";
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
    case "csr8":
      return compressCsr8(dense, mask, valueDtype);
  }
}
