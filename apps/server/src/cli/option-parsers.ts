import { InvalidArgumentError } from "commander";

/**
 * Parsers for flag values. Commander turns the thrown InvalidArgumentError into a one-line
 * "option '--x <n>' argument 'v' is invalid. <reason>" error, so every bad value names its flag.
 */
function parseNumber(value: string): number {
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError("Not a number.");
  return n;
}

export function integer(value: string): number {
  const n = parseNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("Must be an integer.");
  return n;
}

export function positiveInteger(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("Must be a positive integer.");
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = integer(value);
  if (n < 0) throw new InvalidArgumentError("Must be a non-negative integer.");
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = parseNumber(value);
  if (n < 0) throw new InvalidArgumentError("Must be >= 0.");
  return n;
}

/** A probability mass in (0, 1]. */
export function unitInterval(value: string): number {
  const n = parseNumber(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError("Must be in (0, 1].");
  return n;
}

/** A comma-separated list of token ids, e.g. "1,403,407". */
export function tokenIdList(value: string): number[] {
  const ids = value.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new InvalidArgumentError("Must be comma-separated non-negative integers.");
  }
  return ids;
}

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
