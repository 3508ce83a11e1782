/**
 * The merge loop shared by both BPE flavours: SentencePiece-style (the pair whose merged piece
 * has the best score goes first) and GPT-2-style (the pair with the lowest merge rank goes
 * first). Ties go to the leftmost pair, exactly as llama2.c's run.c (a left-to-right scan that
 * keeps the first best) and GPT-2's reference loop do.
 *
 * A heap over adjacent pairs replaces run.c's full rescan after every merge: the result is the
 * same (the heap always holds every mergeable adjacent pair; stale entries are skipped when
 * popped), but the cost is O(n log n) instead of O(n^2), which matters for long prompts.
 */
import { MinHeap } from "./min-heap.js";

/** Merge priority of two adjacent symbols: lower merges first; undefined means "never merge". */
export type PairPriority = (left: string, right: string) => number | undefined;

interface Candidate {
  priority: number;
  /** Index of the left symbol; symbols keep the index of their leftmost original part. */
  left: number;
  /** Both texts as they were when queued: a mismatch later means the entry is stale. */
  leftText: string;
  rightText: string;
}

const earlier = (a: Candidate, b: Candidate): boolean =>
  a.priority < b.priority || (a.priority === b.priority && a.left < b.left);

/** Applies merges to `symbols` until no adjacent pair can merge; returns the merged symbols. */
export function mergePairs(symbols: readonly string[], priorityOf: PairPriority): string[] {
  const n = symbols.length;
  if (n < 2) return symbols.slice();
  const text = symbols.slice();
  const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
  const prev = Array.from({ length: n }, (_, i) => i - 1);
  const heap = new MinHeap<Candidate>(earlier);

  const consider = (left: number): void => {
    const right = next[left]!;
    if (left < 0 || right < 0) return;
    const priority = priorityOf(text[left]!, text[right]!);
    if (priority !== undefined) heap.push({ priority, left, leftText: text[left]!, rightText: text[right]! });
  };
  for (let i = 0; i + 1 < n; i++) consider(i);

  for (let top = heap.pop(); top; top = heap.pop()) {
    const { left, leftText, rightText } = top;
    const right = next[left]!;
    // Skip entries whose symbols changed (or vanished) since they were queued. A removed symbol
    // has its text cleared, so the text checks also catch a dead left index.
    if (right < 0 || text[left] !== leftText || text[right] !== rightText) continue;
    text[left] = leftText + rightText;
    text[right] = "";
    const after = next[right]!;
    next[left] = after;
    if (after >= 0) prev[after] = left;
    consider(prev[left]!);
    consider(left);
  }

  const merged: string[] = [];
  for (let i = 0; i >= 0; i = next[i]!) merged.push(text[i]!);
  return merged;
}
