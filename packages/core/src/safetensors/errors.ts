/**
 * The one error type every safetensors failure surfaces as, so callers can catch a single class
 * and branch on a stable `code` instead of parsing messages.
 */

/** Stable machine-readable failure codes; docs/formats/safetensors.md describes each one. */
export const SAFETENSORS_ERROR_CODES = [
  // The 8-byte length prefix and the header bytes it announces.
  "TRUNCATED",
  "HEADER_TOO_SMALL",
  "HEADER_TOO_LARGE",
  "HEADER_LENGTH_EXCEEDS_FILE",
  // The header's text and JSON structure.
  "INVALID_UTF8",
  "INVALID_JSON",
  "DUPLICATE_KEY",
  "NOT_AN_OBJECT",
  "BAD_METADATA",
  // One tensor entry.
  "BAD_ENTRY",
  "UNKNOWN_DTYPE",
  "UNSUPPORTED_DTYPE",
  "BAD_SHAPE",
  "BAD_OFFSETS",
  "SIZE_MISMATCH",
  // How the entries cover the data buffer.
  "OUT_OF_BOUNDS",
  "OVERLAP",
  "GAP",
  // Misuse of the API rather than a bad file.
  "UNKNOWN_TENSOR",
  "BAD_TARGET",
  "BAD_NAME",
  "CLOSED",
  "UNSUPPORTED_HOST",
] as const;

export type SafetensorsErrorCode = (typeof SAFETENSORS_ERROR_CODES)[number];

export interface SafetensorsErrorDetails {
  code: SafetensorsErrorCode;
  /** The file path, or the label given to an in-memory buffer. */
  file: string;
  /** The tensor concerned, when the problem belongs to one. */
  tensor?: string;
  /** Absolute byte offset in the file where the problem is, when one position is meaningful. */
  offset?: number;
  /** What is wrong, as a sentence fragment without a trailing period. */
  problem: string;
  /** What the reader of the message can do about it. */
  fix: string;
}

export class SafetensorsError extends Error {
  readonly code: SafetensorsErrorCode;
  readonly file: string;
  readonly tensor: string | undefined;
  readonly offset: number | undefined;

  constructor(details: SafetensorsErrorDetails) {
    super(formatMessage(details));
    this.name = "SafetensorsError";
    this.code = details.code;
    this.file = details.file;
    this.tensor = details.tensor;
    this.offset = details.offset;
  }
}

function formatMessage(d: SafetensorsErrorDetails): string {
  const where = [`safetensors ${JSON.stringify(d.file)}`];
  // Names come from untrusted files and may be megabytes long; the field keeps the full name.
  if (d.tensor !== undefined) where.push(`tensor ${quoteShort(d.tensor)}`);
  if (d.offset !== undefined) where.push(`byte offset ${d.offset}`);
  return `${where.join(", ")}: ${d.problem} [${d.code}]. ${d.fix}`;
}

function quoteShort(text: string, max = 120): string {
  const quoted = JSON.stringify(text);
  return quoted.length <= max ? quoted : `${quoted.slice(0, max)}..."`;
}

/** The advice shared by every "this file is damaged or was not written correctly" error. */
export const FIX_DAMAGED_FILE =
  "The file is damaged or was written by a non-conforming tool; re-download or re-export it.";
