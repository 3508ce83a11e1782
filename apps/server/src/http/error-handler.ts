/**
 * Turns every failure fastify can report (schema validation, body parsing, body size, our own
 * ApiErrors, bugs) into an OpenAI-shaped error response. Nothing a client sends crashes the
 * server: an unexpected error is logged with its request id and answered with a 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, badRequest, internalError, notFound } from "./api-error.js";

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "/messages/0/content" -> "messages[0].content"; a missing property names itself. */
export function paramOfIssue(issue: ValidationIssue): string | null {
  const parts = (issue.instancePath ?? "").split("/").filter(Boolean).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const missing = issue.params?.missingProperty;
  if (typeof missing === "string") parts.push(missing);
  if (parts.length === 0) return null;
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function describeIssue(issue: ValidationIssue, param: string | null): string {
  const what = param ?? "the request body";
  if (issue.keyword === "required") return `${what} is required`;
  if (issue.keyword === "additionalProperties" && typeof issue.params?.additionalProperty === "string") {
    return `${what}: unknown field ${JSON.stringify(issue.params.additionalProperty)}`;
  }
  if (issue.keyword === "anyOf" || issue.keyword === "oneOf") return `${what} has the wrong type or value`;
  return `${what} ${issue.message ?? "is invalid"}`;
}

/** The ApiError for a fastify error, or undefined when it is not one fastify raised on a bad request. */
function fromFastifyError(error: FastifyError): ApiError | undefined {
  if (error.validation && error.validation.length > 0) {
    // With several issues (anyOf branches), the most specific one is the deepest path.
    const issues = error.validation as ValidationIssue[];
    const deepest = issues.reduce((a, b) => ((b.instancePath ?? "").length > (a.instancePath ?? "").length ? b : a));
    const param = paramOfIssue(deepest);
    return badRequest(describeIssue(deepest, param), param, "invalid_parameter");
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError(413, `The request body is larger than this server's limit (${error.message.replace(/^.*?:\s*/, "")}). Send a smaller body, or start the server with a larger --max-body-bytes.`, "invalid_request_error", null, "body_too_large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(415, "Unsupported Content-Type: send the body as application/json.", "invalid_request_error", null, "unsupported_media_type");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return badRequest("The request body is empty; send a JSON object.", null, "invalid_json");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return badRequest("The Content-Length header does not match the body.", null, "invalid_body");
  }
  if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError(error.statusCode, error.message, "invalid_request_error", null, error.code ?? null);
  }
  return undefined;
}

export function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.status).headers(error.headers).send(error.toBody());
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let api = error instanceof ApiError ? error : fromFastifyError(error);
    if (!api) {
      request.log.error({ err: error }, "unhandled error while serving a request");
      api = internalError(`Internal server error (request id ${request.id}); the server log has the details.`);
    } else if (api.status >= 500) {
      request.log.error({ err: error }, api.message);
    }
    if (reply.sent || reply.raw.headersSent) return;
    return sendApiError(reply, api);
  });
  app.setNotFoundHandler((request, reply) => sendApiError(reply, notFound(request.method, request.url)));
}
