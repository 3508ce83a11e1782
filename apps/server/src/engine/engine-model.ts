/** The model an engine runs: loaded from a spec string, on a chosen kernel backend. */
import { createBackend, type BackendName } from "@sieve/core";
import { loadCheckpoint, type GenerationDefaults, type LlamaModel, type Tokenizer } from "@sieve/model";
import { buildModel } from "../compose/build-model.js";
import type { EngineLoadProgress } from "./types.js";

export interface EngineModel {
  model: LlamaModel;
  /** Undefined for checkpoints without one (then requests must give promptIds). */
  tokenizer: Tokenizer | undefined;
  generation: GenerationDefaults;
  source: string;
  format: string;
}

export interface LoadEngineModelOptions {
  tokenizer?: string;
  backend?: BackendName;
  /** An activation-sparsity recipe file applied after loading (see compose/build-model.ts). */
  recipe?: string;
  onProgress?: (progress: EngineLoadProgress) => void;
}

/** Loads any spec loadCheckpoint takes and builds the model on the requested backend. */
export async function loadEngineModel(spec: string, options: LoadEngineModelOptions = {}): Promise<EngineModel> {
  const checkpoint = await loadCheckpoint(spec, { tokenizer: options.tokenizer, onProgress: options.onProgress });
  const backend = options.backend ? createBackend(options.backend).backend : undefined;
  const { model } = await buildModel(checkpoint, { backend: backend ? () => backend : undefined, recipe: options.recipe });
  return { model, tokenizer: checkpoint.tokenizer, generation: checkpoint.generation, source: checkpoint.source, format: checkpoint.format };
}
