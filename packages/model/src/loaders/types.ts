import type { Tensor } from "@sieve/core";
import type { ModelConfig } from "../arch/config.js";
import type { Tokenizer } from "../tokenizer/types.js";

/** Sampling defaults a checkpoint ships (HF generation_config.json); requests override them. */
export interface GenerationDefaults {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repetitionPenalty?: number;
  maxNewTokens?: number;
  eosTokenIds?: number[];
  bosTokenId?: number;
}

/** Everything a loader produces: the model's config, its weights by HF name, its tokenizer. */
export interface LoadedCheckpoint {
  config: ModelConfig;
  /** Tensors under Hugging Face names (see arch/weights.ts hfNames), in their stored dtype. */
  weights: Map<string, Tensor>;
  tokenizer: Tokenizer | undefined;
  generation: GenerationDefaults;
  /** Where it came from: "hf-dir", "gguf", "llama2c", "synth". */
  format: string;
  /** Absolute path (or spec) it was loaded from. */
  source: string;
  /** Metadata stored with the checkpoint (e.g. a sparsity recipe in safetensors __metadata__). */
  metadata: Record<string, string>;
  /** Non-fatal findings of the loader (unused tensors, dropped fields), for logs and `sieve inspect`. */
  warnings?: string[];
}

export interface LoadOptions {
  /** Tokenizer file for formats without an embedded one (llama2.c): tokenizer.bin, .gguf, .model or tokenizer.json. */
  tokenizer?: string;
  /** Report progress of long loads / downloads. */
  onProgress?: (event: { phase: string; done: number; total: number }) => void;
}
