/** Options of the HTTP server (`sieve serve` flags map onto these), each with its default. */
import type { Logger } from "pino";

export interface ServerOptions {
  /** Interface to listen on (default 127.0.0.1: reachable from this machine only). */
  host?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** When set, /v1/*, /tokenize and /detokenize require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Origins allowed to call the API from browsers ("*" for any). Default: none (same origin only). */
  corsOrigins?: string[];
  /** Largest request body in bytes (default 4 MiB); larger ones get a 413. */
  maxBodyBytes?: number;
  /** Engine requests allowed to wait beyond the running ones before new requests get a 429 (default 256). */
  maxWaiting?: number;
  /** A request not finished after this many milliseconds ends with a timeout error (default 10 minutes). */
  requestTimeoutMs?: number;
  /** A stream that wrote nothing for this long gets a `: keep-alive` comment (default 5 s). */
  keepAliveMs?: number;
  /** How often engine stats are sampled for the dashboard and metrics (default 1 s). */
  statsIntervalMs?: number;
  /** On shutdown, how long in-flight requests may take to finish before they are cancelled (default 10 s). */
  shutdownGraceMs?: number;
  /** The name clients send as `model` (default: derived from the model spec). */
  servedModelName?: string;
  /** Structured log (pino); default: warnings and errors on stderr. */
  logger?: Logger;
}

export type ResolvedServerOptions = Required<Omit<ServerOptions, "apiKey" | "servedModelName" | "logger">> & Pick<ServerOptions, "apiKey" | "servedModelName"> & { logger: Logger };

export const SERVER_DEFAULTS = {
  host: "127.0.0.1",
  port: 8000,
  maxBodyBytes: 4 * 1024 * 1024,
  maxWaiting: 256,
  requestTimeoutMs: 10 * 60 * 1000,
  keepAliveMs: 5000,
  statsIntervalMs: 1000,
  shutdownGraceMs: 10_000,
} as const;
