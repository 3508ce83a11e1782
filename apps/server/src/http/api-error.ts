/**
 * Errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with the HTTP status
 * the official clients map to their error classes (400 BadRequestError, 401
 * AuthenticationError, 404 NotFoundError, 429 RateLimitError, 5xx InternalServerError...).
 */

/** The body of every error response (and of an error event in a stream). */
export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400: something in the request is wrong; `param` names it. */
export function badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, message, "invalid_request_error", param, code);
}

export function modelNotFound(model: string, served: string): ApiError {
  return new ApiError(404, `The model \`${model}\` does not exist. This server serves \`${served}\` (see GET /v1/models).`, "invalid_request_error", "model", "model_not_found");
}

export function notFound(method: string, url: string): ApiError {
  return new ApiError(404, `No route ${method} ${url}. See GET /v1/models, POST /v1/completions, POST /v1/chat/completions.`, "invalid_request_error", null, "not_found");
}

export function unauthorized(): ApiError {
  return new ApiError(401, "Missing or wrong API key: send the header `Authorization: Bearer <key>` with the key the server was started with.", "invalid_request_error", null, "invalid_api_key");
}

export function queueFull(retryAfterSeconds: number, waiting: number): ApiError {
  return new ApiError(
    429,
    `The server is at capacity (${waiting} requests already waiting). Retry after ${retryAfterSeconds} s.`,
    "rate_limit_error",
    null,
    "queue_full",
    { "retry-after": String(retryAfterSeconds) },
  );
}

export function unavailable(message: string, code: string, retryAfterSeconds?: number): ApiError {
  return new ApiError(503, message, "service_unavailable", null, code, retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {});
}

export function timedOut(message: string): ApiError {
  return new ApiError(504, message, "timeout_error", null, "request_timeout");
}

export function internalError(message: string): ApiError {
  return new ApiError(500, message, "server_error", null, "internal_error");
}
