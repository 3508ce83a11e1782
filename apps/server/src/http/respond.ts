/**
 * Runs a generation to its HTTP response, either as one JSON body or as an OpenAI event stream.
 * A client that goes away cancels every choice at once (their KV blocks are freed now); an
 * error before the first byte is an ordinary error response, an error inside a stream is a
 * `data: {"error": ...}` event followed by `data: [DONE]`.
 */
import type { FastifyReply } from "fastify";
import { internalError, type ApiError } from "./api-error.js";
import type { Generation } from "./generation.js";
import type { ResponseShape, UsageBody } from "./response-shape.js";
import { SseWriter } from "./sse.js";

export interface RespondOptions {
  generation: Generation;
  shape: ResponseShape;
  /** Prompt tokens of the request (each prompt once, however many choices it has). */
  promptTokens: number;
  /** Choices per prompt (n): cached prompt tokens are counted on the first choice of each prompt. */
  n: number;
  stream: boolean;
  includeUsage: boolean;
  keepAliveMs: number;
}

class UsageTally {
  private completion = 0;
  private cached = 0;

  constructor(
    private readonly promptTokens: number,
    private readonly n: number,
  ) {}

  add(choice: number, usage: { completionTokens: number; cachedPromptTokens: number }): void {
    this.completion += usage.completionTokens;
    if (choice % this.n === 0) this.cached += usage.cachedPromptTokens;
  }

  body(): UsageBody {
    return {
      prompt_tokens: this.promptTokens,
      completion_tokens: this.completion,
      total_tokens: this.promptTokens + this.completion,
      prompt_tokens_details: { cached_tokens: Math.min(this.cached, this.promptTokens) },
    };
  }
}

/** Cancels the generation when the client disconnects before the response is complete. */
function cancelOnDisconnect(reply: FastifyReply, generation: Generation): void {
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) generation.cancel();
  });
}

export async function respondJson(reply: FastifyReply, o: RespondOptions): Promise<object> {
  cancelOnDisconnect(reply, o.generation);
  const usage = new UsageTally(o.promptTokens, o.n);
  let failure: ApiError | undefined;
  for await (const event of o.generation) {
    if (failure) continue;
    if (event.kind === "token") o.shape.token(event.choice, event.text, event.token);
    else if (event.kind === "finish") {
      o.shape.finish(event.choice, event.text, event.finishReason);
      usage.add(event.choice, event.usage);
    } else {
      // One failed choice fails the request; the others are cancelled rather than left running.
      failure = event.error;
      o.generation.cancel();
    }
  }
  if (failure) throw failure;
  return o.shape.full(usage.body());
}

export async function respondStream(reply: FastifyReply, o: RespondOptions): Promise<void> {
  cancelOnDisconnect(reply, o.generation);
  // Headers fastify's hooks already set (CORS, x-request-id) go out with the stream's.
  const headers = reply.getHeaders() as Record<string, string | number | string[]>;
  reply.hijack();
  const sse = new SseWriter(reply.raw, headers, o.keepAliveMs);
  const usage = new UsageTally(o.promptTokens, o.n);
  let failed = false;
  try {
    for (const chunk of o.shape.opening()) await sse.data(chunk);
    for await (const event of o.generation) {
      if (failed || !sse.open) continue;
      if (event.kind === "token") {
        for (const chunk of o.shape.token(event.choice, event.text, event.token)) await sse.data(chunk);
      } else if (event.kind === "finish") {
        usage.add(event.choice, event.usage);
        for (const chunk of o.shape.finish(event.choice, event.text, event.finishReason)) await sse.data(chunk);
      } else {
        failed = true;
        o.generation.cancel();
        await sse.data(event.error.toBody());
      }
    }
    if (o.includeUsage && !failed) await sse.data(o.shape.usageChunk(usage.body()));
  } catch (e) {
    // A bug while formatting must still end the stream (and free the engine's blocks).
    o.generation.cancel();
    await sse.data(internalError(`The stream failed: ${(e as Error).message}`).toBody()).catch(() => {});
    throw e;
  } finally {
    sse.end();
  }
}
