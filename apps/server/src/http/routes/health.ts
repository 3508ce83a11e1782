/** GET /health: 200 when requests can be served, 503 while loading, after a failure, or while shutting down. */
import type { FastifyInstance } from "fastify";
import type { ServingState } from "../serving-state.js";

export function registerHealth(app: FastifyInstance, state: ServingState): void {
  app.get("/health", async (_request, reply) => {
    const phase = state.phase;
    if (phase === "ready") return { status: "ok" };
    const body: Record<string, unknown> = { status: phase };
    if (phase === "loading" && state.progress) body.progress = state.progress;
    if (phase === "failed") body.error = state.failureReason;
    return reply.code(503).header("retry-after", phase === "loading" ? "2" : "10").send(body);
  });
}
