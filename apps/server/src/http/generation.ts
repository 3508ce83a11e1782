/**
 * One HTTP request's generation: its choices (prompts x n) submitted to the engine at once, their
 * events merged into one stream of choice events for the route to format (JSON or SSE).
 *
 * Guarantees the routes rely on:
 * - every choice ends with exactly one "finish" or "error" event, and then the iteration ends;
 * - cancel() (client gone, server shutting down) cancels every engine request at once, so their
 *   KV blocks are freed now, not when max_tokens would have been reached;
 * - a request never hangs: past its deadline a choice is cancelled and ends with a 504 error even
 *   if the engine never answers;
 * - metrics and the admission count see every engine request exactly once, whether or not anyone
 *   is still reading the events.
 */
import type { Tokenizer } from "@sieve/model";
import type { Engine, EngineErrorEvent, EngineRequest, EngineTokenEvent, EngineUsage, RequestStream } from "../engine/index.js";
import type { RequestObserver } from "../metrics/request-observer.js";
import { badRequest, internalError, timedOut, unavailable, type ApiError } from "./api-error.js";
import { EventQueue } from "./event-queue.js";
import { createTextOutput, type TextOutput } from "./text-output.js";

export type ChoiceEvent =
  | { kind: "token"; choice: number; text: string; token: EngineTokenEvent }
  | { kind: "finish"; choice: number; text: string; finishReason: "stop" | "length"; usage: EngineUsage }
  | { kind: "error"; choice: number; error: ApiError };

export interface ChoiceRequest {
  /** The engine request (promptIds set, stop strings included). */
  request: EngineRequest & { promptIds: number[] };
  stop: string[];
}

export interface GenerationContext {
  engine: Engine;
  tokenizer: Tokenizer | undefined;
  /** False when text must be decoded on this thread (see text-output.ts). */
  decodedByEngine: boolean;
  observer: RequestObserver;
  /** Milliseconds after which an unfinished choice is abandoned with a 504. */
  deadlineMs: number;
  /** Called once per choice when its engine request is over. */
  onChoiceSettled: () => void;
  /** Prefix of engine request ids (the HTTP request id), so logs and engine ids match. */
  idPrefix: string;
}

function engineErrorToApi(event: EngineErrorEvent): ApiError {
  if (event.code === "invalid_request") return badRequest(event.message, event.param ?? null, "invalid_request");
  if (event.code === "engine_failed") return unavailable(`The engine is not running: ${event.message}`, "engine_failed");
  return internalError(`Generation failed: ${event.message}`);
}

class ChoiceRun {
  private readonly submittedAt = performance.now();
  private lastTokenAt: number | undefined;
  private tokens = 0;
  private stoppedHere = false;
  private settled = false;

  constructor(
    readonly index: number,
    readonly stream: RequestStream,
    private readonly promptTokens: number,
    private readonly text: TextOutput,
    private readonly ctx: GenerationContext,
    private readonly emit: (event: ChoiceEvent) => void,
    private readonly onSettled: () => void,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  async pump(): Promise<void> {
    try {
      for await (const event of this.stream) {
        if (this.settled) continue;
        if (event.type === "token") this.onToken(event);
        else if (event.type === "finish") {
          if (event.finishReason === "timeout") this.fail(timedOut("The request did not finish within the server's request timeout (--request-timeout)."), "timeout", event.usage);
          else if (event.finishReason === "abort" && !this.stoppedHere) this.fail(unavailable("The request was cancelled before it finished.", "cancelled"), "abort", event.usage);
          else this.finish(this.stoppedHere ? "stop" : (event.finishReason as "stop" | "length"), this.text.finish(event), event.usage);
        } else {
          this.fail(engineErrorToApi(event), "error");
        }
      }
    } catch (e) {
      this.fail(internalError(`Generation failed: ${(e as Error).message}`), "error");
    }
    // A stream always ends with finish or error; this only guards the invariant.
    if (!this.settled) this.fail(internalError("The engine ended the request without a result."), "error");
  }

  /** Abandons the choice now (deadline): cancels the engine request and reports the error. */
  abandon(error: ApiError): void {
    if (this.settled) return;
    this.stream.cancel();
    this.fail(error, "timeout");
  }

  private onToken(event: EngineTokenEvent): void {
    const now = performance.now();
    if (this.lastTokenAt === undefined) this.ctx.observer.firstToken((now - this.submittedAt) / 1000);
    else this.ctx.observer.interToken((now - this.lastTokenAt) / 1000);
    this.lastTokenAt = now;
    if (this.stoppedHere) return;
    this.tokens++;
    const step = this.text.token(event);
    this.emit({ kind: "token", choice: this.index, text: step.text, token: event });
    if (step.stoppedHere) {
      // A stop string found on this thread: the engine keeps going until it hears the cancel.
      this.stoppedHere = true;
      this.stream.cancel();
    }
  }

  private finish(finishReason: "stop" | "length", text: string, usage: EngineUsage): void {
    // After a stop found here, tokens the engine sampled before the cancel arrived do not count.
    const counted = this.stoppedHere ? { ...usage, completionTokens: this.tokens } : usage;
    // Emit before settling: settling the last choice closes the event queue.
    this.emit({ kind: "finish", choice: this.index, text, finishReason, usage: counted });
    this.settle(finishReason, counted);
  }

  private fail(error: ApiError, reason: string, usage?: EngineUsage): void {
    this.emit({ kind: "error", choice: this.index, error });
    this.settle(reason, usage);
  }

  private settle(reason: string, usage: EngineUsage | undefined): void {
    this.settled = true;
    const now = performance.now();
    this.ctx.observer.finished({
      promptTokens: usage?.promptTokens ?? this.promptTokens,
      completionTokens: usage?.completionTokens ?? this.tokens,
      cachedPromptTokens: usage?.cachedPromptTokens ?? 0,
      queueSeconds: (usage?.queueTimeMs ?? 0) / 1000,
      ttftSeconds: this.lastTokenAt === undefined ? undefined : (this.lastTokenAt - this.submittedAt) / 1000,
      e2eSeconds: (now - this.submittedAt) / 1000,
      finishReason: reason,
    });
    this.onSettled();
  }
}

/** Makes engine request ids unique even when clients reuse an x-request-id. */
let generationCounter = 0;

export class Generation implements AsyncIterable<ChoiceEvent> {
  private readonly queue = new EventQueue<ChoiceEvent>();
  private readonly runs: ChoiceRun[];
  private readonly deadline: NodeJS.Timeout;
  private settledCount = 0;
  private resolveAll!: () => void;
  /** Resolves when every choice is over. */
  readonly allSettled = new Promise<void>((resolve) => (this.resolveAll = resolve));

  constructor(choices: ChoiceRequest[], ctx: GenerationContext) {
    const prefix = `${ctx.idPrefix}#${++generationCounter}`;
    this.runs = choices.map((choice, index) => {
      const stream = ctx.engine.submit({ ...choice.request, id: `${prefix}-${index}`, stop: ctx.decodedByEngine ? choice.stop : undefined });
      const text = createTextOutput(ctx.decodedByEngine, ctx.tokenizer, choice.stop, choice.request.promptIds);
      return new ChoiceRun(index, stream, choice.request.promptIds.length, text, ctx, (event) => this.queue.push(event), () => this.settled(ctx));
    });
    this.deadline = setTimeout(() => {
      for (const run of this.runs) run.abandon(timedOut(`The request did not finish within ${Math.round(ctx.deadlineMs / 1000)} s; it was cancelled.`));
    }, ctx.deadlineMs);
    this.deadline.unref();
    for (const run of this.runs) void run.pump();
  }

  /** One more choice is over (its engine request ended or was abandoned); the last one ends the iteration. */
  private settled(ctx: GenerationContext): void {
    ctx.onChoiceSettled();
    if (++this.settledCount === this.runs.length) {
      clearTimeout(this.deadline);
      this.queue.close();
      this.resolveAll();
    }
  }

  /** Cancels every choice still running (their streams then end with an abort). */
  cancel(): void {
    for (const run of this.runs) if (!run.done) run.stream.cancel();
  }

  [Symbol.asyncIterator](): AsyncIterator<ChoiceEvent> {
    return this.queue[Symbol.asyncIterator]();
  }
}
