/**
 * The application/json body parser. Fastify's own would decode invalid UTF-8 to U+FFFD and carry
 * on, so a prompt could silently change; here invalid bytes are a 400 that names their offset,
 * and malformed JSON is a 400 that says where parsing failed.
 */
import type { FastifyInstance } from "fastify";
import { badRequest } from "./api-error.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The byte offset of the first invalid UTF-8 sequence (for the message), or -1. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    // Exact range checks for the second byte (overlongs, surrogates, > U+10FFFF) are left to
    // TextDecoder; this only locates the sequence for the message.
    for (let k = 1; k <= need; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    const offset = firstInvalidUtf8Offset(body);
    throw badRequest(`The request body is not valid UTF-8${offset >= 0 ? ` (first bad byte at offset ${offset})` : ""}; send JSON encoded as UTF-8.`, null, "invalid_utf8");
  }
  if (text.trim() === "") throw badRequest("The request body is empty; send a JSON object.", null, "invalid_json");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`The request body is not valid JSON: ${(e as Error).message}`, null, "invalid_json");
  }
}

export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
