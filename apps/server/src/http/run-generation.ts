/**
 * Starts a generation for a route: admission (429 when the queue is full), the engine requests,
 * and the bookkeeping shutdown needs (which generations are still in flight).
 */
import type { ChoiceRequest } from "./generation.js";
import { Generation } from "./generation.js";
import type { ResolvedServerOptions } from "./server-options.js";
import type { ServingState, Serving } from "./serving-state.js";

/** Extra time the HTTP side waits past the engine's own timeout before abandoning a request. */
const DEADLINE_SLACK_MS = 5000;

export function startGeneration(state: ServingState, serving: Serving, options: ResolvedServerOptions, requestId: string, choices: ChoiceRequest[]): Generation {
  serving.admission.acquire(choices.length);
  const generation = new Generation(choices, {
    engine: serving.engine,
    tokenizer: serving.model.tokenizer,
    decodedByEngine: serving.model.decodedByEngine,
    observer: serving.observer,
    deadlineMs: options.requestTimeoutMs + DEADLINE_SLACK_MS,
    onChoiceSettled: () => serving.admission.release(1),
    idPrefix: requestId,
  });
  state.active.add(generation);
  void generation.allSettled.then(() => state.active.delete(generation));
  return generation;
}
