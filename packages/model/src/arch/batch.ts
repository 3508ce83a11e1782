/**
 * One forward step over a ragged batch: any mix of prefill chunks and decode tokens from several
 * sequences, each with its own positions and KV block table row.
 */
export interface ForwardBatch {
  /** [T] token ids. */
  tokens: Int32Array;
  /** [T] absolute position of each token in its sequence. */
  positions: Int32Array;
  /** [T] which block-table row (sequence) each token belongs to. */
  tokenSeq: Int32Array;
  /** [numSeqs * maxPagesPerSeq] physical KV page of each logical page (-1 = none). */
  blockTable: Int32Array;
  maxPagesPerSeq: number;
  /** Token rows whose logits are wanted (e.g. the last token of each sequence), in output order. */
  logitRows: Int32Array;
}

/** Checks a batch's internal consistency; throws a RangeError naming the first problem. */
export function validateBatch(b: ForwardBatch, pageSize: number, numPages: number): void {
  const t = b.tokens.length;
  if (t === 0) throw new RangeError("forward batch is empty");
  if (b.positions.length !== t || b.tokenSeq.length !== t) {
    throw new RangeError(`forward batch: tokens (${t}), positions (${b.positions.length}) and tokenSeq (${b.tokenSeq.length}) differ in length`);
  }
  const numSeqs = b.blockTable.length / b.maxPagesPerSeq;
  if (!Number.isInteger(numSeqs)) throw new RangeError("forward batch: blockTable length is not a multiple of maxPagesPerSeq");
  for (let i = 0; i < t; i++) {
    const s = b.tokenSeq[i]!;
    const p = b.positions[i]!;
    if (s < 0 || s >= numSeqs) throw new RangeError(`forward batch: token ${i} belongs to sequence ${s} of ${numSeqs}`);
    const logical = Math.floor(p / pageSize);
    if (p < 0 || logical >= b.maxPagesPerSeq) throw new RangeError(`forward batch: token ${i} position ${p} is outside its block table`);
    const page = b.blockTable[s * b.maxPagesPerSeq + logical]!;
    if (page < 0 || page >= numPages) throw new RangeError(`forward batch: token ${i} (position ${p}) has no KV page`);
  }
  // Indexed loops only: this runs every step, and a typed-array iterator is not free before the JIT removes it.
  for (let j = 0; j < b.logitRows.length; j++) {
    const r = b.logitRows[j]!;
    if (r < 0 || r >= t) throw new RangeError(`forward batch: logit row ${r} out of range 0..${t - 1}`);
  }
}
