/** The API every engine front end offers: in-process (LocalEngine) or on a worker thread (EngineClient). */
import type { RequestStream } from "./request-stream.js";
import type { EngineInfo, EngineRequest, EngineStats } from "./types.js";

export interface Engine {
  /** What was loaded, and how the KV pool was sized. */
  readonly info: EngineInfo;
  /**
   * Queues a request and returns its events: token events, then one finish or error event.
   * Never throws: a bad request gets a stream with just an error event. Stopping the iteration
   * early cancels the request.
   */
  submit(request: EngineRequest): RequestStream;
  /** Cancels a request (unknown ids are ignored); its blocks are freed at once. */
  cancel(requestId: string): void;
  stats(): Promise<EngineStats>;
  /** Cancels everything in flight and releases the engine (and its worker). */
  shutdown(): Promise<void>;
}
