/**
 * The per-request event streams behind submit(): events arrive from the step loop (in-process or
 * from the worker) and are handed to whoever iterates. A stream ends after its finish or error
 * event. A consumer that stops iterating early (break, return, throw) cancels its request, so an
 * abandoned request never keeps its KV blocks.
 */
import type { EngineErrorEvent, EngineEvent } from "./types.js";

/** What submit() returns: the request's events, its id, and a way to cancel it. */
export interface RequestStream extends AsyncIterable<EngineEvent> {
  readonly id: string;
  /** Cancels the request (its stream then ends with a finish event, reason "abort"). */
  cancel(): void;
}

class EventStream implements RequestStream {
  private readonly queue: EngineEvent[] = [];
  private waiter: ((result: IteratorResult<EngineEvent>) => void) | undefined;
  private ended = false;
  private iterated = false;

  constructor(
    readonly id: string,
    private readonly onCancel: (id: string) => void,
  ) {}

  get done(): boolean {
    return this.ended;
  }

  push(event: EngineEvent): void {
    if (this.ended) return;
    if (event.type !== "token") this.ended = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
  }

  cancel(): void {
    if (!this.ended) this.onCancel(this.id);
  }

  [Symbol.asyncIterator](): AsyncIterator<EngineEvent> {
    if (this.iterated) throw new Error(`the events of request ${this.id} can be iterated only once`);
    this.iterated = true;
    return {
      next: () => {
        const event = this.queue.shift();
        if (event) return Promise.resolve({ value: event, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.cancel();
        this.queue.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Routes events to their streams, and fails every open stream at once when the engine dies. */
export class RequestRouter {
  private readonly streams = new Map<string, EventStream>();
  private nextId = 0;

  constructor(private readonly onCancel: (id: string) => void) {}

  get open(): number {
    return this.streams.size;
  }

  /** A fresh id no open request uses. */
  newId(): string {
    let id: string;
    do id = `req-${++this.nextId}`;
    while (this.streams.has(id));
    return id;
  }

  has(id: string): boolean {
    return this.streams.has(id);
  }

  openStream(id: string): RequestStream {
    const stream = new EventStream(id, this.onCancel);
    this.streams.set(id, stream);
    return stream;
  }

  /** A stream that holds one error event and ends (for requests refused before they reach the engine). */
  static failed(id: string, error: Omit<EngineErrorEvent, "type" | "requestId">): RequestStream {
    const stream = new EventStream(id, () => {});
    stream.push({ type: "error", requestId: id, ...error });
    return stream;
  }

  dispatch(events: readonly EngineEvent[]): void {
    for (const event of events) {
      const stream = this.streams.get(event.requestId);
      if (!stream) continue;
      stream.push(event);
      if (stream.done) this.streams.delete(event.requestId);
    }
  }

  /** Ends every open stream with an engine_failed error. */
  failAll(message: string): void {
    for (const [id, stream] of this.streams) stream.push({ type: "error", requestId: id, code: "engine_failed", message });
    this.streams.clear();
  }
}
