/**
 * Test support (not exported): a fake model that runs scheduler steps over a fake paged KV pool,
 * so that every block-table mistake shows up as a wrong token.
 *
 * Each slot of the pool holds an encoding of (token, position). A step first performs the block
 * copies, then writes every scheduled token into its slot (refusing to write into a block another
 * sequence also holds), then "predicts" the next token of each sequence that needs logits from
 * everything it can read back through its block table. referenceNext() computes the same from the
 * true token list, so a corrupted, shared-by-mistake or evicted-while-used block changes outputs.
 */
import type { Scheduler } from "./scheduler.js";
import type { SchedulerStep, StepResults } from "./step.js";

const UNWRITTEN = -1;

function encode(token: number, position: number): number {
  return (Math.imul(token + 1, 0x9e3779b1) ^ Math.imul(position + 7, 0x85ebca6b)) >>> 1;
}

/** The fake model's prediction from the (token, position) pairs a sequence can see. */
function predict(values: readonly number[], vocabSize: number): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ v, 0x01000193);
    h ^= h >>> 13;
  }
  return (h >>> 0) % vocabSize;
}

/** The next token of a sequence whose every position is visible (no released blocks). */
export function referenceNext(tokens: readonly number[], vocabSize: number): number {
  return predict(tokens.map((t, p) => encode(t, p)), vocabSize);
}

/** Greedy reference continuation: up to maxNew tokens, ending early after `stopToken`. */
export function referenceOutput(prompt: readonly number[], maxNew: number, vocabSize: number, stopToken?: number): number[] {
  const tokens = [...prompt];
  const out: number[] = [];
  while (out.length < maxNew) {
    const next = referenceNext(tokens, vocabSize);
    out.push(next);
    tokens.push(next);
    if (next === stopToken) break;
  }
  return out;
}

export class FakeRuntime {
  readonly slots: Int32Array;
  readonly blockSize: number;

  constructor(
    readonly scheduler: Scheduler,
    readonly vocabSize: number,
    /** A sampled token equal to this ends the sequence with "stop". */
    readonly stopToken?: number,
  ) {
    this.blockSize = scheduler.config.blockSize;
    this.slots = new Int32Array(scheduler.config.numBlocks * this.blockSize).fill(UNWRITTEN);
  }

  /** Runs a step: copies, KV writes, predictions. Returns what update() should get. */
  run(step: SchedulerStep): StepResults {
    const bs = this.blockSize;
    const pool = this.scheduler.blocks.pool;
    for (const { src, dst } of step.copies) this.slots.copyWithin(dst * bs, src * bs, (src + 1) * bs);
    for (const s of step.sequences) {
      for (let i = 0; i < s.numTokens; i++) {
        const pos = s.startPosition + i;
        const block = s.blockTable[Math.floor(pos / bs)]!;
        if (block === undefined || block < 0) throw new Error(`fake runtime: ${s.seqId} writes position ${pos} without a block`);
        if (pool.refCount(block) !== 1) throw new Error(`fake runtime: ${s.seqId} writes into block ${block}, held ${pool.refCount(block)} times (copy-on-write missed)`);
        this.slots[block * bs + (pos % bs)] = encode(s.tokenIds[i]!, pos);
      }
    }
    const appended: Array<{ seqId: string; tokenIds: number[] }> = [];
    const finished: Array<{ seqId: string; reason: "stop" }> = [];
    for (const s of step.sequences) {
      if (!s.needsLogits) continue;
      const last = s.startPosition + s.numTokens - 1;
      const values: number[] = [];
      for (let pos = 0; pos <= last; pos++) {
        const block = s.blockTable[Math.floor(pos / bs)]!;
        if (block < 0) continue; // released: attention skips it
        const v = this.slots[block * bs + (pos % bs)]!;
        if (v === UNWRITTEN) throw new Error(`fake runtime: ${s.seqId} reads unwritten position ${pos} (block ${block})`);
        values.push(v);
      }
      const next = predict(values, this.vocabSize);
      appended.push({ seqId: s.seqId, tokenIds: [next] });
      if (next === this.stopToken) finished.push({ seqId: s.seqId, reason: "stop" });
    }
    return { appended, finished };
  }
}

/**
 * Checks the block accounting: every block's reference count equals the number of block-table
 * entries that name it, and free + cached + used == total. Throws describing the first breach.
 */
export function checkBlockAccounting(scheduler: Scheduler): void {
  const pool = scheduler.blocks.pool;
  const occurrences = new Map<number, number>();
  for (const table of scheduler.blocks.tables().values()) {
    for (const b of table) if (b >= 0) occurrences.set(b, (occurrences.get(b) ?? 0) + 1);
  }
  let used = 0;
  for (let b = 0; b < pool.numBlocks; b++) {
    const rc = pool.refCount(b);
    if (rc !== (occurrences.get(b) ?? 0)) throw new Error(`block ${b}: refCount ${rc} but ${occurrences.get(b) ?? 0} block-table entries`);
    if (rc > 0) used++;
  }
  const c = pool.counts();
  if (c.used !== used) throw new Error(`pool reports ${c.used} used blocks, ${used} have a positive refCount`);
  if (c.used + c.cached + c.free !== c.total) throw new Error(`free ${c.free} + cached ${c.cached} + used ${c.used} != total ${c.total}`);
}
