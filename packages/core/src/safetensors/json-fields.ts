/** Wording shared by the header validators' messages. */
import type { JsonKind } from "./json-reader.js";

export function kindPhrase(kind: JsonKind): string {
  switch (kind) {
    case "object":
      return "an object";
    case "array":
      return "an array";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "literal":
      return "true, false or null";
  }
}

/** Hostile files can carry megabyte-long strings; messages quote only the start. */
export function truncateForMessage(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
