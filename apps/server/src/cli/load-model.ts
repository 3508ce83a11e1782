import type { KernelBackend } from "@sieve/core";
import { loadCheckpoint, loadTokenizerFile as loadAnyTokenizerFile, type LlamaModel, type LoadedCheckpoint, type Tokenizer } from "@sieve/model";
import { buildModel } from "../compose/build-model.js";
import type { Logger } from "pino";
import { ByteTokenizer } from "./byte-tokenizer.js";
import { CliUsageError } from "./errors.js";
import type { Progress } from "./progress.js";

export interface LoadedModel {
  checkpoint: LoadedCheckpoint;
  model: LlamaModel;
  /** The checkpoint's tokenizer, or the one --tokenizer named; undefined when neither exists. */
  tokenizer: Tokenizer | undefined;
  loadSeconds: number;
}

export interface LoadModelOptions {
  /** --tokenizer: a tokenizer.json (or its directory), a llama2.c tokenizer.bin, a .gguf's embedded vocabulary, or a SentencePiece .model. */
  tokenizer?: string;
  /** --recipe: an activation-sparsity recipe file applied after loading. */
  recipe?: string;
  /** Kernel backend getter for the model (default: the process-wide backend); `sieve bench` passes a switchable one. */
  backend?: () => KernelBackend;
  progress?: Progress;
  log?: Logger;
}

/** Loads what --model names (any spec loadCheckpoint takes) and builds the model on the process backend. */
export async function loadModel(spec: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const start = performance.now();
  const checkpoint = await loadCheckpoint(spec, {
    tokenizer: options.tokenizer,
    onProgress: options.progress ? (e) => options.progress!.update(e.done, e.total) : undefined,
  });
  options.progress?.stop();
  // Packed (pruned) layers and activation recipes are applied by the composition root.
  const { model, activation } = await buildModel(checkpoint, { recipe: options.recipe, backend: options.backend });
  if (activation) options.log?.info({ method: activation.recipe.activation.method, source: activation.source, replaced: activation.result.replaced.length, wrapped: activation.result.wrapped.length }, "activation recipe applied");
  let tokenizer = checkpoint.tokenizer;
  // llama2.c checkpoints take --tokenizer inside loadCheckpoint; other formats get it here.
  if (options.tokenizer && checkpoint.format !== "llama2c") tokenizer = await loadTokenizerFile(options.tokenizer);
  const loadSeconds = (performance.now() - start) / 1000;
  for (const warning of (checkpoint as { warnings?: string[] }).warnings ?? []) options.log?.warn(warning);
  options.log?.info({ spec, format: checkpoint.format, source: checkpoint.source, loadMs: Math.round(loadSeconds * 1000) }, "model loaded");
  return { checkpoint, model, tokenizer, loadSeconds };
}

/** A tokenizer from a file: tokenizer.json (or its directory), llama2.c .bin, .gguf, SentencePiece .model. */
export function loadTokenizerFile(path: string): Promise<Tokenizer> {
  // A malformed or unknown file throws TokenizerFormatError, which names the file (a model error).
  return loadAnyTokenizerFile(path);
}

/**
 * The tokenizer text commands need. A checkpoint without one (synthetic models) gets the byte
 * tokenizer when its vocabulary has room for 256 byte ids, with a warning; otherwise the user
 * must name one.
 */
export function requireTokenizer(loaded: LoadedModel, log?: Logger): Tokenizer {
  if (loaded.tokenizer) return loaded.tokenizer;
  const c = loaded.checkpoint.config;
  if (c.vocabSize < 256) {
    throw new CliUsageError(`${loaded.checkpoint.source} has no tokenizer; give one with --tokenizer FILE`, "--tokenizer");
  }
  log?.warn(`${loaded.checkpoint.source} has no tokenizer: using UTF-8 bytes as token ids (give --tokenizer FILE for a real one)`);
  loaded.tokenizer = new ByteTokenizer(c.vocabSize, c.bosTokenId, c.eosTokenIds);
  return loaded.tokenizer;
}
