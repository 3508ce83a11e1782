/**
 * Drives an EngineCore: runs steps back to back while there is work, yielding to the event loop
 * between steps so that new requests, cancellations and stats queries get in; idles otherwise.
 * Used as is by LocalEngine (caller's thread) and by the worker (its own thread).
 */
import type { EngineCore } from "./engine-core.js";
import type { EngineEvent } from "./types.js";

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class StepPump {
  private running = false;
  private stopped = false;

  constructor(
    private readonly core: EngineCore,
    /** Receives each step's events (never an empty list). */
    private readonly emit: (events: EngineEvent[]) => void,
    /** Called when a step throws: the engine's state can no longer be trusted. */
    private readonly onFatal: (error: unknown) => void,
  ) {}

  /** Starts stepping if idle (call after adding work). */
  kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.loop();
  }

  /** No more steps after the current one. */
  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    try {
      // Let the submitter finish its synchronous work (e.g. submit several requests) first.
      await yieldToEventLoop();
      while (!this.stopped && this.core.hasWork) {
        const events = this.core.step();
        if (events.length > 0) this.emit(events);
        await yieldToEventLoop();
      }
    } catch (e) {
      this.stopped = true;
      this.onFatal(e);
    } finally {
      this.running = false;
    }
  }
}
