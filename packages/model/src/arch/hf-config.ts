import type { RopeScaling } from "@sieve/core";
import { ModelConfigError, validateConfig, type ModelConfig } from "./config.js";

export const SUPPORTED_ARCHITECTURES = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"] as const;

type Json = Record<string, unknown>;

function num(cfg: Json, field: string, file: string | undefined, fallback?: number): number {
  const v = cfg[field];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ModelConfigError("is required", field, v, file);
  }
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ModelConfigError("must be a number", field, v, file);
  return v;
}

function ids(v: unknown): number[] {
  if (typeof v === "number") return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === "number");
  return [];
}

/**
 * Reads a Hugging Face `config.json` of a Llama, Mistral or Qwen2 model. Anything this runtime
 * would silently get wrong (another architecture, an activation, a rope scaling type, sliding
 * windows shorter than the context) fails here with the field and value named.
 */
export function parseHfConfig(cfg: Json, file?: string): ModelConfig {
  const archs = cfg.architectures;
  const architecture = Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : undefined;
  if (!architecture || !(SUPPORTED_ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new ModelConfigError(`unsupported architecture; supported: ${SUPPORTED_ARCHITECTURES.join(", ")}`, "architectures", archs, file);
  }
  if (cfg.mlp_bias === true) throw new ModelConfigError("MLP biases are not supported", "mlp_bias", true, file);
  const act = cfg.hidden_act ?? "silu";
  if (act !== "silu") throw new ModelConfigError("unsupported activation (only silu/SwiGLU)", "hidden_act", act, file);

  const dim = num(cfg, "hidden_size", file);
  const nHeads = num(cfg, "num_attention_heads", file);
  const nKvHeads = num(cfg, "num_key_value_heads", file, nHeads);
  const headDim = num(cfg, "head_dim", file, Math.floor(dim / nHeads));
  const maxSeqLen = num(cfg, "max_position_embeddings", file, 2048);

  let scaling: RopeScaling | undefined;
  const rs = cfg.rope_scaling as Json | null | undefined;
  if (rs) {
    const type = rs.rope_type ?? rs.type;
    if (type === "llama3") {
      scaling = {
        type: "llama3",
        factor: num(rs, "factor", file),
        lowFreqFactor: num(rs, "low_freq_factor", file),
        highFreqFactor: num(rs, "high_freq_factor", file),
        originalMaxPositionEmbeddings: num(rs, "original_max_position_embeddings", file),
      };
    } else if (type === "linear") {
      scaling = { type: "linear", factor: num(rs, "factor", file) };
    } else if (type !== "default") {
      throw new ModelConfigError("unsupported rope scaling type (supported: llama3, linear)", "rope_scaling.type", type, file);
    }
  }

  const partial = cfg.partial_rotary_factor;
  const rotaryDim = typeof partial === "number" ? Math.floor(headDim * partial) : headDim;

  const sliding = cfg.sliding_window;
  if (typeof sliding === "number" && (cfg.use_sliding_window ?? architecture === "MistralForCausalLM") && sliding < maxSeqLen) {
    throw new ModelConfigError(
      `sliding-window attention shorter than the context (${maxSeqLen}) is not supported`,
      "sliding_window",
      sliding,
      file,
    );
  }

  return validateConfig(
    {
      architecture,
      dim,
      hiddenDim: num(cfg, "intermediate_size", file),
      nLayers: num(cfg, "num_hidden_layers", file),
      nHeads,
      nKvHeads,
      headDim,
      vocabSize: num(cfg, "vocab_size", file),
      maxSeqLen,
      normEps: num(cfg, "rms_norm_eps", file, 1e-6),
      rope: { theta: num(cfg, "rope_theta", file, 10000), style: "half", rotaryDim, scaling },
      tiedEmbeddings: cfg.tie_word_embeddings === true,
      qkvBias: architecture === "Qwen2ForCausalLM" || cfg.attention_bias === true,
      // transformers' Llama/Mistral put the attention_bias on o_proj as well; Qwen2 never does.
      oBias: architecture !== "Qwen2ForCausalLM" && cfg.attention_bias === true,
      hiddenAct: "silu",
      bosTokenId: typeof cfg.bos_token_id === "number" ? cfg.bos_token_id : undefined,
      eosTokenIds: ids(cfg.eos_token_id),
    },
    file,
  );
}

/** Writes the HF config.json that parseHfConfig reads back to the same ModelConfig. */
export function toHfConfig(c: ModelConfig, torchDtype: "float32" | "float16" | "bfloat16" = "float32"): Json {
  const out: Json = {
    architectures: [c.architecture],
    model_type: c.architecture === "Qwen2ForCausalLM" ? "qwen2" : c.architecture === "MistralForCausalLM" ? "mistral" : "llama",
    hidden_size: c.dim,
    intermediate_size: c.hiddenDim,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    head_dim: c.headDim,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.maxSeqLen,
    rms_norm_eps: c.normEps,
    rope_theta: c.rope.theta,
    hidden_act: c.hiddenAct,
    tie_word_embeddings: c.tiedEmbeddings,
    torch_dtype: torchDtype,
  };
  // Sieve runs full attention: say so, or transformers defaults Mistral to a 4096-token window.
  if (c.architecture === "MistralForCausalLM") out.sliding_window = null;
  if (c.architecture === "Qwen2ForCausalLM") out.use_sliding_window = false;
  if (c.rope.rotaryDim !== c.headDim) out.partial_rotary_factor = c.rope.rotaryDim / c.headDim;
  if (c.architecture !== "Qwen2ForCausalLM" && (c.qkvBias || c.oBias)) {
    if (!(c.qkvBias && c.oBias)) throw new ModelConfigError("Llama/Mistral configs cannot express biases on only some attention projections", "attention_bias", c.qkvBias, undefined);
    out.attention_bias = true;
  }
  if (c.bosTokenId !== undefined) out.bos_token_id = c.bosTokenId;
  if (c.eosTokenIds.length) out.eos_token_id = c.eosTokenIds.length === 1 ? c.eosTokenIds[0] : c.eosTokenIds;
  const s = c.rope.scaling;
  if (s?.type === "llama3") {
    out.rope_scaling = {
      rope_type: "llama3",
      factor: s.factor,
      low_freq_factor: s.lowFreqFactor,
      high_freq_factor: s.highFreqFactor,
      original_max_position_embeddings: s.originalMaxPositionEmbeddings,
    };
  } else if (s?.type === "linear") {
    out.rope_scaling = { rope_type: "linear", factor: s.factor };
  }
  return out;
}
