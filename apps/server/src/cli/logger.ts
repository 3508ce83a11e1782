import { pino, type Logger } from "pino";
import type { CliIo } from "./io.js";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "fatal" };

/**
 * The CLI's structured log, always on stderr so that stdout stays the command's result. The level
 * is SIEVE_LOG_LEVEL (default "warn": only what needs attention; "info" adds load times). With
 * --json the lines stay pino's JSON (for machines); otherwise each becomes one readable line.
 */
export function createLogger(io: CliIo, json: boolean): Logger {
  const wanted = (io.env.SIEVE_LOG_LEVEL ?? "warn").toLowerCase();
  const level = LEVELS.has(wanted) ? wanted : "warn";
  const write = json ? (line: string) => io.stderr.write(line) : (line: string) => io.stderr.write(readable(line));
  return pino({ level, base: { name: "sieve" } }, { write });
}

/** `[sieve] warning: msg (key=value ...)` from one pino JSON line. */
function readable(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, msg, time: _time, name: _name, pid: _pid, hostname: _host, ...fields } = record;
  const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `[sieve] ${LEVEL_NAMES[level as number] ?? "log"}: ${String(msg ?? "")}${extra.length ? ` (${extra.join(" ")})` : ""}\n`;
}
