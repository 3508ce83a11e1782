/**
 * The waiting queue: sequences in serve order (priority, then arrival). A preempted sequence
 * goes back by its original arrival, so it lands ahead of everything of its priority that came
 * after it: the front of the queue for plain FCFS.
 */
import { serveOrder, type SequenceState } from "./sequence.js";

export class WaitQueue {
  private readonly items: SequenceState[] = [];

  get length(): number {
    return this.items.length;
  }

  push(seq: SequenceState): void {
    // Binary search for the first item that seq goes before; equal keys cannot happen (arrivals are unique).
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (serveOrder(this.items[mid]!, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, seq);
  }

  peek(): SequenceState | undefined {
    return this.items[0];
  }

  shift(): SequenceState | undefined {
    return this.items.shift();
  }

  remove(seq: SequenceState): boolean {
    const i = this.items.indexOf(seq);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  [Symbol.iterator](): Iterator<SequenceState> {
    return this.items[Symbol.iterator]();
  }
}
