import { CommanderError } from "commander";

/** A bad flag value or combination; the message names the flag. */
export class CliUsageError extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = "CliUsageError";
  }
}

/** What a failed command reports: one line on stderr, or {"error": ...} on stdout with --json. */
export interface CliErrorReport {
  message: string;
  /** invalid_argument | model_error | file_error | internal_error */
  type: string;
  /** The offending flag, when known (e.g. "--top-p"). */
  param?: string;
  /** A machine-readable code (commander's, or a Node errno such as ENOENT). */
  code?: string;
}

/** Errors whose class says the model (spec, file contents, config, tokenizer) was at fault. */
const MODEL_ERRORS = new Set([
  "ModelSpecError",
  "CheckpointFormatError",
  "ModelConfigError",
  "MissingWeightError",
  "TokenizerFormatError",
  "SafetensorsError",
  "HubError",
  "HubIntegrityError",
]);
const ARGUMENT_ERRORS = new Set(["CliUsageError", "SamplingParamError", "ContextOverflowError", "RangeError", "TypeError"]);
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory, expected a file",
  ENOTDIR: "a path component is not a directory",
  ENOSPC: "no space left on the device",
};

export function describeError(error: unknown): CliErrorReport {
  if (error instanceof CommanderError) {
    return { message: error.message.replace(/^error: /, ""), type: "invalid_argument", code: error.code };
  }
  if (!(error instanceof Error)) return { message: String(error), type: "internal_error" };
  const errno = (error as NodeJS.ErrnoException).code;
  const path = (error as NodeJS.ErrnoException).path;
  if (typeof errno === "string" && ERRNO_TEXT[errno] && path) {
    return { message: `${path}: ${ERRNO_TEXT[errno]}`, type: "file_error", code: errno };
  }
  const report: CliErrorReport = { message: oneLine(error.message), type: typeOf(error) };
  const param = paramOf(error);
  if (param) report.param = param;
  return report;
}

function typeOf(error: Error): string {
  if (MODEL_ERRORS.has(error.name)) return "model_error";
  if (ARGUMENT_ERRORS.has(error.name)) return "invalid_argument";
  return "internal_error";
}

/** The flag behind an error: a CliUsageError's own, or a sampling parameter's wire name as a flag. */
function paramOf(error: Error): string | undefined {
  if (error instanceof CliUsageError) return error.param;
  const wire = (error as { param?: unknown }).param;
  return typeof wire === "string" ? `--${wire.replace(/_/g, "-")}` : undefined;
}

/** Multi-line messages (e.g. a list of candidates tried) joined so the report stays one line. */
function oneLine(message: string): string {
  return message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ");
}
