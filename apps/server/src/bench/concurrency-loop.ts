/**
 * The closed loop of the concurrency benchmark: `concurrency` requests in flight, each next one
 * submitted the moment one finishes, until every request ran. Times are taken where a client
 * sees them: at submit() and at each token event this side of the engine (for EngineClient,
 * after the worker's message arrived), so TTFT includes queueing and the step that prefilled.
 */
import { performance } from "node:perf_hooks";
import type { Engine, EngineRequest } from "../engine/index.js";

/** What one request saw. */
export interface RequestTiming {
  id: string;
  /** submit() -> first token event, ms. */
  ttftMs: number;
  /** Gaps between consecutive token events, ms (tokens - 1 of them). */
  itlMs: number[];
  /** submit() -> finish event, ms. */
  latencyMs: number;
  tokens: number;
  /** The engine's usage record: time queued before (re)admission, preemptions, prompt tokens served from the prefix cache. */
  queueMs: number;
  preemptions: number;
  cachedPromptTokens: number;
}

export interface ClosedLoopResult {
  requests: RequestTiming[];
  /** First submit -> last finish, ms. */
  wallMs: number;
}

/**
 * Runs `requests` through `engine` with at most `concurrency` in flight. Every request must be a
 * fixed-length one (greedy, ignoreEos, maxTokens): a request that fails, stops early or generates
 * a different count makes the whole run throw, because its numbers would not mean what they say.
 */
export async function runClosedLoop(engine: Engine, requests: readonly EngineRequest[], concurrency: number, now: () => number = () => performance.now()): Promise<ClosedLoopResult> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const timings: RequestTiming[] = new Array<RequestTiming>(requests.length);
  let next = 0;
  let failure: unknown;
  const start = now();
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < requests.length) {
      const index = next++;
      try {
        timings[index] = await timeRequest(engine, requests[index]!, now);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  const wallMs = now() - start;
  if (failure !== undefined) throw failure;
  return { requests: timings, wallMs };
}

async function timeRequest(engine: Engine, request: EngineRequest, now: () => number): Promise<RequestTiming> {
  const submitted = now();
  const stream = engine.submit(request);
  const tokenTimes: number[] = [];
  for await (const event of stream) {
    if (event.type === "token") {
      tokenTimes.push(now());
      continue;
    }
    if (event.type === "error") throw new Error(`request ${stream.id} failed (${event.code}): ${event.message}`);
    const want = request.maxTokens;
    if (event.finishReason !== "length" || tokenTimes.length !== want || event.usage.completionTokens !== want) {
      throw new Error(
        `request ${stream.id} ended with "${event.finishReason}" after ${tokenTimes.length} token events (usage: ${event.usage.completionTokens}); ` +
          `the benchmark needs exactly maxTokens = ${want} (greedy, ignoreEos)`,
      );
    }
    const itlMs = tokenTimes.slice(1).map((t, i) => t - tokenTimes[i]!);
    return {
      id: stream.id,
      ttftMs: tokenTimes[0]! - submitted,
      itlMs,
      latencyMs: now() - submitted,
      tokens: tokenTimes.length,
      queueMs: event.usage.queueTimeMs,
      preemptions: event.usage.preemptions,
      cachedPromptTokens: event.usage.cachedPromptTokens,
    };
  }
  throw new Error(`request ${stream.id}: the event stream ended without a finish event`);
}
