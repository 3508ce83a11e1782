/**
 * TypeScript reference kernels of the pruned-weight linears: out[batch, rows] = x[batch, cols] ·
 * W^T (+ bias), W in any compressed format. The ground truth the native kernels are compared with,
 * and the fallback when the addon is missing. Deliberately plain: each row's kept weights are
 * visited in ascending column order and accumulated in a JS number (f64), exactly as core's dense
 * reference does over the masked dense row; the skipped weights are zeros there, which add
 * nothing, so on the reference backend a pruned model gives bit-identical logits in either form.
 */
import { forEachBcsrEntry } from "../../formats/bcsr.js";
import { forEachBitmapEntry } from "../../formats/bitmap.js";
import { forEachCsrEntry } from "../../formats/csr.js";
import { forEachCsr8Entry } from "../../formats/csr8.js";
import { forEachNmSlot } from "../../formats/nm.js";
import type { SparseWeight } from "../../formats/sparse-weight.js";
import { f16BitsToF32 } from "@sieve/core";

type RowVisitor = (r: number, f: (col: number, valueIndex: number) => void) => void;

function visitorOf(w: SparseWeight): RowVisitor {
  switch (w.format) {
    case "nm":
      return (r, f) => forEachNmSlot(w, r, f);
    case "bitmap":
      return (r, f) => forEachBitmapEntry(w, r, f);
    case "csr":
      return (r, f) => forEachCsrEntry(w, r, f);
    case "bcsr":
      return (r, f) => forEachBcsrEntry(w, r, f);
    case "csr8":
      return (r, f) => forEachCsr8Entry(w, r, f);
  }
}

function checkArgs(w: SparseWeight, out: Float32Array, x: Float32Array, batch: number, bias: Float32Array | null): void {
  if (!Number.isSafeInteger(batch) || batch < 0) throw new RangeError(`sparseLinearReference: batch must be a non-negative integer, got ${batch}`);
  if (out.length < batch * w.rows) throw new RangeError(`sparseLinearReference: out has ${out.length} elements, needs ${batch * w.rows}`);
  if (x.length < batch * w.cols) throw new RangeError(`sparseLinearReference: x has ${x.length} elements, needs ${batch * w.cols}`);
  if (bias && bias.length < w.rows) throw new RangeError(`sparseLinearReference: bias has ${bias.length} elements, needs ${w.rows}`);
}

/** out[i, j] = sum over row j's kept (c, v) of v * x[i, c] (+ bias[j]). */
export function sparseLinearReference(out: Float32Array, x: Float32Array, batch: number, w: SparseWeight, bias: Float32Array | null): void {
  checkArgs(w, out, x, batch, bias);
  const visit = visitorOf(w);
  const { rows, cols } = w;
  // Each row's values widened once (f16 -> f32 exactly), like core's widenWeights per dense row.
  const vals: number[] = [];
  const colsOf: number[] = [];
  const values = w.values;
  const half = !(values instanceof Float32Array);
  for (let j = 0; j < rows; j++) {
    vals.length = 0;
    colsOf.length = 0;
    visit(j, (c, vi) => {
      colsOf.push(c);
      vals.push(half ? f16BitsToF32(values[vi]!) : values[vi]!);
    });
    const b = bias ? bias[j]! : 0;
    for (let i = 0; i < batch; i++) {
      const xOff = i * cols;
      let sum = 0;
      for (let t = 0; t < vals.length; t++) sum += x[xOff + colsOf[t]!]! * vals[t]!;
      out[i * rows + j] = sum + b;
    }
  }
}
