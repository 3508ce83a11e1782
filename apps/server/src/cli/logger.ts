import { pino, type Logger } from "pino";
import type { CliIo } from "./io.js";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * The CLI's structured log, always on stderr so that stdout stays the command's result. The level
 * is SIEVE_LOG_LEVEL (default "warn": a human run shows only what needs attention; "info" adds
 * load times and backend choices).
 */
export function createLogger(io: CliIo): Logger {
  const wanted = (io.env.SIEVE_LOG_LEVEL ?? "warn").toLowerCase();
  const level = LEVELS.has(wanted) ? wanted : "warn";
  return pino({ level, base: { name: "sieve" } }, { write: (line: string) => io.stderr.write(line) });
}
