/** Reference cross-entropy: the negative log-likelihood of each row's target, in nats. */
import { rowLogSumExp } from "./softmax.js";
import { requireF32, requireI32, requireLength, requireSize } from "./validate.js";

/** out[r] = logsumexp(logits[r, :]) - logits[r, targets[r]]. */
export function crossEntropy(out: Float32Array, logits: Float32Array, targets: Int32Array, rows: number, cols: number): void {
  const op = "crossEntropy";
  requireF32(op, "out", out);
  requireF32(op, "logits", logits);
  requireI32(op, "targets", targets);
  requireSize(op, "rows", rows);
  requireSize(op, "cols", cols);
  requireLength(op, "logits", logits, rows * cols);
  requireLength(op, "targets", targets, rows);
  requireLength(op, "out", out, rows);
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    if (t < 0 || t >= cols) throw new RangeError(`${op}: targets[${r}] = ${t} is outside [0, ${cols})`);
  }
  for (let r = 0; r < rows; r++) {
    const { max, logSum } = rowLogSumExp(logits, r * cols, cols);
    out[r] = max + logSum - logits[r * cols + targets[r]!]!;
  }
}
