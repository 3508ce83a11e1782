import { planWindows } from "./windows.js";

/**
 * One forward step of an evaluation: a piece of a window appended to the window's sequence, and
 * which of its rows are scored against which targets.
 */
export interface ScoredChunk {
  /** A new window starts with this chunk: the sequence must be emptied first. */
  startsWindow: boolean;
  tokens: Int32Array;
  /** Rows of `tokens` whose logits are scored. */
  rows: Int32Array;
  /** The token each of those rows must predict. */
  targets: Int32Array;
}

/**
 * The forward steps of evaluating `documents` with windows of ctx tokens every `stride`, each
 * window run in pieces of at most `chunkSize` tokens (so that logits of many rows over a large
 * vocabulary need not be held at once). Chunks without scored rows are still yielded: they build
 * the window's context.
 */
export function* scoredChunks(documents: readonly Int32Array[], ctx: number, stride: number, chunkSize: number): Generator<ScoredChunk> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`evaluation: chunkSize must be a positive integer, got ${chunkSize}`);
  for (const doc of documents) {
    for (const w of planWindows(doc.length, ctx, stride)) {
      for (let start = w.begin; start < w.end; start += chunkSize) {
        const end = Math.min(w.end, start + chunkSize);
        // Row r (token start + r) predicts token start + r + 1; scored when that token is in [scoreFrom, scoreEnd).
        const first = Math.max(start, w.scoreFrom - 1);
        const last = Math.min(end, w.scoreEnd - 1);
        const n = Math.max(0, last - first);
        const rows = new Int32Array(n);
        const targets = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          rows[i] = first + i - start;
          targets[i] = doc[first + i + 1]!;
        }
        yield { startsWindow: start === w.begin, tokens: doc.subarray(start, end), rows, targets };
      }
    }
  }
}
