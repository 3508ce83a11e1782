/**
 * The fastify application: body parsing and limits, request ids, CORS, the optional API key,
 * OpenAI-shaped errors, and every route. It serves whatever state it is given, so it can listen
 * (and answer /health with 503) while the model is still loading.
 */
import cors from "@fastify/cors";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { installApiKeyCheck } from "./auth.js";
import { installErrorHandlers } from "./error-handler.js";
import { installJsonBodyParser } from "./json-body.js";
import { installRequestIdHeader, requestIdOf } from "./request-id.js";
import { registerChat } from "./routes/chat.js";
import { registerCompletions } from "./routes/completions.js";
import { registerDashboard } from "./routes/dashboard.js";
import { registerHealth } from "./routes/health.js";
import { registerMetrics } from "./routes/metrics.js";
import { registerModels } from "./routes/models.js";
import { registerTokenize } from "./routes/tokenize.js";
import { registerUi } from "./routes/ui.js";
import type { ResolvedServerOptions } from "./server-options.js";
import type { ServingState } from "./serving-state.js";

/** How long a client may take to send its request (headers and body); slower ones get a 408. */
const RECEIVE_TIMEOUT_MS = 30_000;

export async function buildApp(state: ServingState, options: ResolvedServerOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's type the plain default.
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.maxBodyBytes,
    genReqId: requestIdOf,
    requestTimeout: RECEIVE_TIMEOUT_MS,
    // Closing connections that are idle lets shutdown finish while streams are still draining.
    forceCloseConnections: "idle",
    ajv: {
      customOptions: {
        // OpenAI rejects "max_tokens": "5"; so do we (fastify coerces types by default).
        coerceTypes: false,
        // Report the first problem, clearly, rather than a list of anyOf branches.
        allErrors: false,
        removeAdditional: false,
        useDefaults: true,
      },
    },
  });

  installJsonBodyParser(app);
  installErrorHandlers(app);
  installRequestIdHeader(app);
  if (options.corsOrigins.length > 0) {
    const any = options.corsOrigins.includes("*");
    await app.register(cors, {
      origin: any ? true : options.corsOrigins,
      methods: ["GET", "POST", "OPTIONS"],
      allowedHeaders: ["authorization", "content-type", "x-request-id"],
      exposedHeaders: ["x-request-id", "retry-after"],
      maxAge: 600,
    });
  }
  if (options.apiKey) installApiKeyCheck(app, options.apiKey);

  registerHealth(app, state);
  registerModels(app, state);
  registerCompletions(app, state, options);
  registerChat(app, state, options);
  registerTokenize(app, state);
  registerMetrics(app, state);
  registerDashboard(app, state, options);
  registerUi(app);
  return app;
}
