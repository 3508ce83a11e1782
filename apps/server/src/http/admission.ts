/**
 * Bounds the work queued in the engine. The scheduler runs up to maxSeqs sequences and lets the
 * rest wait without limit; past maxSeqs + maxWaiting engine requests, new HTTP requests get a
 * 429 with Retry-After instead of joining a queue they would only time out in. Counted here, on
 * the HTTP thread, so the decision needs no round trip to the worker.
 */
import { badRequest, queueFull } from "./api-error.js";

export class Admission {
  private outstanding = 0;

  constructor(
    private readonly maxSeqs: number,
    private readonly maxWaiting: number,
    /** Seconds a refused client is told to wait. */
    private readonly retryAfterSeconds = 1,
  ) {}

  /** Engine requests submitted through this server and not finished yet. */
  get inFlight(): number {
    return this.outstanding;
  }

  /** Reserves `count` engine requests, or throws the 429. Pair with release(count). */
  acquire(count: number): void {
    const capacity = this.maxSeqs + this.maxWaiting;
    // Waiting would never help a request larger than the whole capacity.
    if (count > capacity) throw badRequest(`This request asks for ${count} sequences (prompts x n); this server takes at most ${capacity} at once.`, "n", "too_many_sequences");
    if (this.outstanding + count > capacity) {
      throw queueFull(this.retryAfterSeconds, Math.max(0, this.outstanding - this.maxSeqs));
    }
    this.outstanding += count;
  }

  release(count: number): void {
    this.outstanding = Math.max(0, this.outstanding - count);
  }
}
