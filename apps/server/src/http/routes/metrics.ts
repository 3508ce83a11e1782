/** GET /metrics: Prometheus text format, with fresh engine stats. */
import type { FastifyInstance } from "fastify";
import type { ServingState } from "../serving-state.js";

export function registerMetrics(app: FastifyInstance, state: ServingState): void {
  app.get("/metrics", async (_request, reply) => {
    const serving = state.loaded;
    // Before the model is loaded there is nothing to report yet; an empty exposition is valid.
    if (!serving) return reply.type("text/plain; version=0.0.4; charset=utf-8").send("");
    await serving.poller.refresh();
    return reply.type(serving.metrics.contentType).send(await serving.metrics.render());
  });
}
