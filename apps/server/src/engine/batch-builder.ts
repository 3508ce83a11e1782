/** Turns a scheduler step into one ragged ForwardBatch: prefill chunks and decode tokens side by side. */
import type { ForwardBatch } from "@sieve/model";
import type { SchedulerStep } from "@sieve/scheduler";

export interface BuiltBatch {
  batch: ForwardBatch;
  /** The sequence of each logits row, in row order. */
  logitSeqIds: string[];
}

/**
 * Row s of the block table is scheduled sequence s; it is as wide as the widest row this step
 * (shorter rows and released blocks are -1). Each sequence needing logits gets its last token's row.
 */
export function buildForwardBatch(step: SchedulerStep): BuiltBatch {
  const seqs = step.sequences;
  const total = step.numBatchedTokens;
  const maxPagesPerSeq = Math.max(1, ...seqs.map((s) => s.blockTable.length));
  const tokens = new Int32Array(total);
  const positions = new Int32Array(total);
  const tokenSeq = new Int32Array(total);
  const blockTable = new Int32Array(seqs.length * maxPagesPerSeq).fill(-1);
  const logitRows: number[] = [];
  const logitSeqIds: string[] = [];
  let row = 0;
  seqs.forEach((s, i) => {
    blockTable.set(s.blockTable, i * maxPagesPerSeq);
    for (let j = 0; j < s.numTokens; j++, row++) {
      tokens[row] = s.tokenIds[j]!;
      positions[row] = s.startPosition + j;
      tokenSeq[row] = i;
    }
    if (s.needsLogits) {
      logitRows.push(row - 1);
      logitSeqIds.push(s.seqId);
    }
  });
  return { batch: { tokens, positions, tokenSeq, blockTable, maxPagesPerSeq, logitRows: Int32Array.from(logitRows) }, logitSeqIds };
}
