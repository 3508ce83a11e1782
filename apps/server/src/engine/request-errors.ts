/** Turns what went wrong with one request into its error event. */
import { ContextOverflowError, SamplingParamError } from "@sieve/model";
import type { EngineErrorEvent } from "./types.js";

/** An error in the request itself (parameters, prompt): the client's fault, reported as invalid_request. */
export class InvalidRequestError extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = "InvalidRequestError";
  }
}

/** The error event for a request that could not be accepted. Validation failures are invalid_request; anything else internal. */
export function rejectionEvent(requestId: string, error: unknown): EngineErrorEvent {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof SamplingParamError) return { type: "error", requestId, code: "invalid_request", message, param: error.param };
  if (error instanceof ContextOverflowError) return { type: "error", requestId, code: "invalid_request", message, param: "max_tokens" };
  if (error instanceof InvalidRequestError) {
    const event: EngineErrorEvent = { type: "error", requestId, code: "invalid_request", message };
    if (error.param) event.param = error.param;
    return event;
  }
  // resolveGenerateRequest, StopStringMatcher and the scheduler reject bad prompts and stops with these.
  if (error instanceof RangeError || error instanceof TypeError) return { type: "error", requestId, code: "invalid_request", message };
  return { type: "error", requestId, code: "internal", message };
}

/** The error event for a request that failed while running. */
export function failureEvent(requestId: string, error: unknown, during: string): EngineErrorEvent {
  const message = error instanceof Error ? error.message : String(error);
  return { type: "error", requestId, code: "internal", message: `${during}: ${message}` };
}
