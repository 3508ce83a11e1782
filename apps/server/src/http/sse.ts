/**
 * A server-sent events response as OpenAI streams it: `data: {json}` per chunk, `data: [DONE]`
 * at the end, and `: keep-alive` comments whenever nothing was written for a while (a request
 * waiting in the queue, a long prefill), so proxies and clients do not give up on a quiet stream.
 */
import type { ServerResponse } from "node:http";

export class SseWriter {
  private lastWrite = Date.now();
  private readonly keepAlive: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly raw: ServerResponse,
    headers: Record<string, string | number | string[]>,
    keepAliveMs: number,
  ) {
    raw.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      // Tell buffering proxies (nginx) to pass each event on at once.
      "x-accel-buffering": "no",
    });
    raw.flushHeaders();
    this.keepAlive = setInterval(() => {
      if (Date.now() - this.lastWrite >= keepAliveMs) this.write(": keep-alive\n\n");
    }, Math.max(10, Math.floor(keepAliveMs / 2)));
    this.keepAlive.unref();
    raw.once("close", () => this.stop());
  }

  /** False once the client went away or end() was called. */
  get open(): boolean {
    return !this.ended && !this.raw.destroyed && this.raw.writable;
  }

  /** Sends one event; resolves when the socket can take more (backpressure from a slow client). */
  async data(value: unknown): Promise<void> {
    if (!this.write(`data: ${JSON.stringify(value)}\n\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.raw.off("drain", done).off("close", done);
          resolve();
        };
        this.raw.on("drain", done).on("close", done);
      });
    }
  }

  end(): void {
    if (this.open) {
      this.write("data: [DONE]\n\n");
      this.raw.end();
    }
    this.stop();
  }

  private write(text: string): boolean {
    if (!this.open) return true;
    this.lastWrite = Date.now();
    return this.raw.write(text);
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
  }
}
