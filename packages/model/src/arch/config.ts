import type { RopeScaling, RopeStyle } from "@sieve/core";

/** One normalized description of a Llama-family model, whatever file it came from. */
export interface ModelConfig {
  /** The HF architecture name, e.g. "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM". */
  architecture: string;
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  vocabSize: number;
  /** Longest context the model supports. */
  maxSeqLen: number;
  normEps: number;
  rope: {
    theta: number;
    style: RopeStyle;
    /** Dims of each head that rotate (headDim unless partial rotary). */
    rotaryDim: number;
    scaling?: RopeScaling;
  };
  /** The LM head shares the embedding matrix. */
  tiedEmbeddings: boolean;
  /** q/k/v projections carry biases (Qwen2; Llama configs with attention_bias). */
  qkvBias: boolean;
  /** o_proj carries a bias too (Llama/Mistral with attention_bias: true; never Qwen2). */
  oBias?: boolean;
  /** MLP activation; Llama-family models use SwiGLU with "silu". */
  hiddenAct: "silu";
  bosTokenId?: number;
  eosTokenIds: number[];
}

/** An error in a model's configuration that names the field, its value and the file. */
export class ModelConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly value: unknown,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ""}${message} (field ${field} = ${JSON.stringify(value)})`);
    this.name = "ModelConfigError";
  }
}

/** Checks the invariants every loader's output must meet. */
export function validateConfig(c: ModelConfig, file?: string): ModelConfig {
  const positive: (keyof ModelConfig)[] = ["dim", "hiddenDim", "nLayers", "nHeads", "nKvHeads", "headDim", "vocabSize", "maxSeqLen"];
  for (const f of positive) {
    const v = c[f];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ModelConfigError("must be a positive integer", f, v, file);
  }
  if (c.nHeads % c.nKvHeads !== 0) {
    throw new ModelConfigError(`num_attention_heads (${c.nHeads}) must be a multiple of num_key_value_heads`, "nKvHeads", c.nKvHeads, file);
  }
  if (c.rope.rotaryDim % 2 !== 0 || c.rope.rotaryDim > c.headDim || c.rope.rotaryDim < 2) {
    throw new ModelConfigError(`rotary dims must be even and at most head_dim ${c.headDim}`, "rope.rotaryDim", c.rope.rotaryDim, file);
  }
  if (!(c.normEps > 0)) throw new ModelConfigError("must be positive", "normEps", c.normEps, file);
  if (!(c.rope.theta > 0)) throw new ModelConfigError("must be positive", "rope.theta", c.rope.theta, file);
  return c;
}
