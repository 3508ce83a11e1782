/**
 * Request ids: a client's x-request-id is kept when it looks like an id (so calls can be traced
 * across services), otherwise one is made. Every log line of the request carries it (pino's
 * reqId) and every response returns it in x-request-id, streams included.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && ACCEPTABLE_ID.test(given) ? given : `req-${randomUUID()}`;
}

export function installRequestIdHeader(app: FastifyInstance): void {
  // Set in onRequest so hijacked (streaming) responses copy it with the other headers.
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
}
