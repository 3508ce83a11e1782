import { describe, expect, it } from "vitest";
import { ModelConfigError } from "./config.js";
import { parseHfConfig, toHfConfig } from "./hf-config.js";

const llama = {
  architectures: ["LlamaForCausalLM"],
  hidden_size: 64,
  intermediate_size: 172,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  vocab_size: 512,
  max_position_embeddings: 512,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
  bos_token_id: 1,
  eos_token_id: 2,
};

describe("parseHfConfig", () => {
  it("reads a Llama config and round-trips through toHfConfig", () => {
    const c = parseHfConfig(llama);
    expect(c).toMatchObject({ dim: 64, headDim: 8, nKvHeads: 4, tiedEmbeddings: true, qkvBias: false, oBias: false });
    expect(c.rope).toEqual({ theta: 10000, style: "half", rotaryDim: 8, scaling: undefined });
    expect(parseHfConfig(toHfConfig(c))).toEqual(c);
  });

  it("reads llama3 rope scaling, Qwen2 biases and Llama attention_bias", () => {
    const l3 = parseHfConfig({
      ...llama,
      rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    });
    expect(l3.rope.scaling).toEqual({ type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    expect(parseHfConfig(toHfConfig(l3))).toEqual(l3);
    const qwen = parseHfConfig({ ...llama, architectures: ["Qwen2ForCausalLM"] });
    expect([qwen.qkvBias, qwen.oBias]).toEqual([true, false]);
    expect(toHfConfig(qwen).use_sliding_window).toBe(false);
    const biased = parseHfConfig({ ...llama, attention_bias: true });
    expect([biased.qkvBias, biased.oBias]).toEqual([true, true]);
    expect(toHfConfig(parseHfConfig({ ...llama, architectures: ["MistralForCausalLM"] })).sliding_window).toBeNull();
  });

  it("fails on what it would otherwise get wrong, naming the field and value", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...llama, architectures: ["GPT2LMHeadModel"] }, "architectures"],
      [{ ...llama, hidden_act: "gelu" }, "hidden_act"],
      [{ ...llama, mlp_bias: true }, "mlp_bias"],
      [{ ...llama, rope_scaling: { type: "yarn", factor: 4 } }, "rope_scaling.type"],
      [{ ...llama, architectures: ["MistralForCausalLM"], sliding_window: 128 }, "sliding_window"],
      [{ ...llama, num_key_value_heads: 3 }, "nKvHeads"],
      [{ ...llama, hidden_size: "64" }, "hidden_size"],
      [{ ...llama, intermediate_size: undefined }, "intermediate_size"],
    ];
    for (const [cfg, field] of cases) {
      let err: unknown;
      try {
        parseHfConfig(cfg, "config.json");
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(ModelConfigError);
      expect((err as ModelConfigError).field).toBe(field);
      expect((err as Error).message).toContain("config.json");
    }
  });
});
