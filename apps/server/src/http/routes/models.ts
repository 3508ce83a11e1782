/** GET /v1/models and GET /v1/models/:id: the one model this server serves, and what it is. */
import type { FastifyInstance } from "fastify";
import { checkModelName } from "../model-name.js";
import type { ServingModel } from "../serving-model.js";
import type { ServingState } from "../serving-state.js";

export function modelCard(model: ServingModel) {
  return {
    id: model.id,
    object: "model",
    created: model.created,
    owned_by: model.ownedBy,
    root: model.spec,
    max_model_len: model.info.maxSeqLen,
    // Sieve's own fields: what a person reading this should know.
    description: model.description,
    synthetic: model.syntheticPreset !== undefined,
  };
}

export function registerModels(app: FastifyInstance, state: ServingState): void {
  app.get("/v1/models", async () => ({ object: "list", data: [modelCard(state.ready().model)] }));
  // A wildcard, not `:id`: Hugging Face style ids ("org/name") contain a slash.
  app.get<{ Params: { "*": string } }>("/v1/models/*", async (request) => {
    const { model } = state.ready();
    checkModelName(decodeURIComponent(request.params["*"]), model);
    return modelCard(model);
  });
}
