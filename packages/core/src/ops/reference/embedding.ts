/** Reference embedding lookup: rows of a [vocab, dim] table (f32, f16 or bf16) widened to f32. */
import type { WeightData, WeightDType } from "../../backend/kernels.js";
import { checkWeight, widenWeights } from "./weights.js";
import { requireF32, requireI32, requireLength, requirePositive } from "./validate.js";

/** out[t, :] = table[ids[t], :]; throws a RangeError on an id outside [0, vocab). */
export function embedding(out: Float32Array, table: WeightData, tableDtype: WeightDType, ids: Int32Array, dim: number): void {
  const op = "embedding";
  requireF32(op, "out", out);
  requireI32(op, "ids", ids);
  requirePositive(op, "dim", dim);
  if (tableDtype !== "f32" && tableDtype !== "f16" && tableDtype !== "bf16") {
    throw new RangeError(`${op}: tableDtype must be "f32", "f16" or "bf16", got ${String(tableDtype)}`);
  }
  checkWeight(op, table, tableDtype, 0);
  if (table.length % dim !== 0) throw new RangeError(`${op}: table has ${table.length} elements, not a multiple of dim ${dim}`);
  const vocab = table.length / dim;
  requireLength(op, "out", out, ids.length * dim);
  // Check every id before writing anything, so a bad id leaves out untouched.
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    if (id < 0 || id >= vocab) throw new RangeError(`${op}: ids[${t}] = ${id} is outside the vocabulary [0, ${vocab})`);
  }
  for (let t = 0; t < ids.length; t++) widenWeights(table, tableDtype, ids[t]! * dim, dim, out.subarray(t * dim, (t + 1) * dim));
}
