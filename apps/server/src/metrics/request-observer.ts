/** What the HTTP layer reports about each engine request, to the metrics and the dashboard history. */

export interface FinishedRequest {
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  /** Time waiting in the scheduler's queue (preemptions included). */
  queueSeconds: number;
  /** Submission to the first token; undefined when no token came. */
  ttftSeconds: number | undefined;
  /** Submission to the finish (or failure). */
  e2eSeconds: number;
  /** "stop", "length", "abort" (client went away), "timeout" or "error". */
  finishReason: string;
}

export interface RequestObserver {
  firstToken(seconds: number): void;
  /** The gap between two tokens of one request. */
  interToken(seconds: number): void;
  finished(request: FinishedRequest): void;
}

/** Sends every observation to each observer. */
export function fanOut(...observers: RequestObserver[]): RequestObserver {
  return {
    firstToken: (s) => observers.forEach((o) => o.firstToken(s)),
    interToken: (s) => observers.forEach((o) => o.interToken(s)),
    finished: (r) => observers.forEach((o) => o.finished(r)),
  };
}
