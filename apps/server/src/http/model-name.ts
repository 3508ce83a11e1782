/** Requests name the model they want; this server serves one, under its served name (or its spec). */
import { modelNotFound } from "./api-error.js";
import type { ServingModel } from "./serving-model.js";

export function checkModelName(requested: string | null | undefined, model: ServingModel): void {
  if (requested === undefined || requested === null) return;
  if (requested === model.id || requested === model.spec) return;
  throw modelNotFound(requested, model.id);
}
