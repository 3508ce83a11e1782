/** Validates the optional "__metadata__" entry: a flat map of strings to strings. */
import { FIX_DAMAGED_FILE } from "./errors.js";
import type { HeaderContext } from "./header-context.js";
import { kindPhrase, truncateForMessage } from "./json-fields.js";
import type { JsonReader } from "./json-reader.js";

export const METADATA_KEY = "__metadata__";

/**
 * Reads the metadata value at the reader's position. Returns a frozen null-prototype record, so
 * keys such as "__proto__" or "constructor" stay plain data and never alias Object.prototype.
 * `null` is accepted as "no metadata", as the reference implementation does.
 */
export function readMetadata(json: JsonReader, ctx: HeaderContext): Readonly<Record<string, string>> {
  const metadata: Record<string, string> = Object.create(null);
  const fix = `${FIX_DAMAGED_FILE} "${METADATA_KEY}" must map strings to strings.`;
  const start = json.valueStart();
  const kind = json.peekKind();
  if (kind === "literal" && json.readLiteral() === null) return Object.freeze(metadata);
  if (kind !== "object") {
    ctx.fail("BAD_METADATA", `"${METADATA_KEY}" is ${kindPhrase(kind)}, not an object`, fix, { headerPos: start });
  }
  json.beginObject();
  const seen = new Set<string>();
  for (let member = json.nextKey(); member; member = json.nextKey()) {
    if (seen.has(member.key)) {
      const problem = `metadata key ${truncateForMessage(JSON.stringify(member.key))} appears more than once`;
      ctx.fail("DUPLICATE_KEY", problem, FIX_DAMAGED_FILE, { headerPos: member.start });
    }
    seen.add(member.key);
    const valueKind = json.peekKind();
    if (valueKind !== "string") {
      const problem = `metadata value for ${truncateForMessage(JSON.stringify(member.key))} is ${kindPhrase(valueKind)}, not a string`;
      ctx.fail("BAD_METADATA", problem, fix, { headerPos: json.valueStart() });
    }
    metadata[member.key] = json.readString();
  }
  return Object.freeze(metadata);
}
