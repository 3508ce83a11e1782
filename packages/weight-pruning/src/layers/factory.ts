/**
 * The LinearFactory that loads pruned checkpoints: for a linear whose tensors are stored packed
 * (checkpoint/tensors.ts) it builds the sparse layer; for any other it returns undefined and the
 * model builds its dense layer from <name>.weight. Pass it to the model:
 *   new LlamaModel(config, weights, { linearFactory: sparseLinearFactory })
 */
import type { LinearFactory } from "@sieve/core";
import { sparseWeightFromTensors } from "../checkpoint/tensors.js";
import { sparseLinearOf } from "./sparse-linear.js";

export const sparseLinearFactory: LinearFactory = (request) => {
  const weight = sparseWeightFromTensors(request.weights, request.name, request.outFeatures, request.inFeatures);
  if (!weight) return undefined;
  return sparseLinearOf(weight, request.bias, request.backend, { name: request.name });
};
