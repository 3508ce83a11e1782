/**
 * Optional API key (--api-key): the OpenAI API and the tokenizer endpoints require
 * `Authorization: Bearer <key>`; health, metrics, the web UI and its dashboard JSON stay open
 * (they serve no model output). Keys are compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { unauthorized } from "./api-error.js";
import { sendApiError } from "./error-handler.js";

const PROTECTED = [/^\/v1(\/|$)/, /^\/tokenize$/, /^\/detokenize$/];

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

export function isProtectedPath(url: string): boolean {
  const path = url.split("?", 1)[0]!;
  return PROTECTED.some((p) => p.test(path));
}

export function installApiKeyCheck(app: FastifyInstance, apiKey: string): void {
  const expected = digest(apiKey);
  app.addHook("onRequest", async (request, reply) => {
    if (request.method === "OPTIONS" || !isProtectedPath(request.url)) return;
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) return sendApiError(reply, unauthorized());
  });
}
