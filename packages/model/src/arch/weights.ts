import type { Tensor, WeightData, WeightDType } from "@sieve/core";
import type { ModelConfig } from "./config.js";

/** Hugging Face tensor names, the canonical names every loader maps to. */
export const hfNames = {
  embed: "model.embed_tokens.weight",
  finalNorm: "model.norm.weight",
  lmHead: "lm_head.weight",
  layer: (i: number) => ({
    attnNorm: `model.layers.${i}.input_layernorm.weight`,
    q: `model.layers.${i}.self_attn.q_proj.weight`,
    k: `model.layers.${i}.self_attn.k_proj.weight`,
    v: `model.layers.${i}.self_attn.v_proj.weight`,
    o: `model.layers.${i}.self_attn.o_proj.weight`,
    qBias: `model.layers.${i}.self_attn.q_proj.bias`,
    kBias: `model.layers.${i}.self_attn.k_proj.bias`,
    vBias: `model.layers.${i}.self_attn.v_proj.bias`,
    oBias: `model.layers.${i}.self_attn.o_proj.bias`,
    mlpNorm: `model.layers.${i}.post_attention_layernorm.weight`,
    gate: `model.layers.${i}.mlp.gate_proj.weight`,
    up: `model.layers.${i}.mlp.up_proj.weight`,
    down: `model.layers.${i}.mlp.down_proj.weight`,
  }),
};

/** Every tensor name (and shape) a model of this config must have, in file order. */
export function expectedTensors(c: ModelConfig): Array<{ name: string; shape: number[]; optional?: boolean }> {
  const qDim = c.nHeads * c.headDim;
  const kvDim = c.nKvHeads * c.headDim;
  const list: Array<{ name: string; shape: number[]; optional?: boolean }> = [{ name: hfNames.embed, shape: [c.vocabSize, c.dim] }];
  for (let i = 0; i < c.nLayers; i++) {
    const n = hfNames.layer(i);
    list.push(
      { name: n.attnNorm, shape: [c.dim] },
      { name: n.q, shape: [qDim, c.dim] },
      { name: n.k, shape: [kvDim, c.dim] },
      { name: n.v, shape: [kvDim, c.dim] },
      { name: n.o, shape: [c.dim, qDim] },
    );
    if (c.oBias) list.push({ name: n.oBias, shape: [c.dim] });
    if (c.qkvBias) list.push({ name: n.qBias, shape: [qDim] }, { name: n.kBias, shape: [kvDim] }, { name: n.vBias, shape: [kvDim] });
    list.push(
      { name: n.mlpNorm, shape: [c.dim] },
      { name: n.gate, shape: [c.hiddenDim, c.dim] },
      { name: n.up, shape: [c.hiddenDim, c.dim] },
      { name: n.down, shape: [c.dim, c.hiddenDim] },
    );
  }
  list.push({ name: hfNames.finalNorm, shape: [c.dim] });
  list.push({ name: hfNames.lmHead, shape: [c.vocabSize, c.dim], optional: c.tiedEmbeddings });
  return list;
}

/** A weight matrix as the kernels take it. */
export interface MatrixWeight {
  data: WeightData;
  dtype: WeightDType;
  rows: number;
  cols: number;
}

export class MissingWeightError extends Error {
  constructor(readonly tensor: string, detail: string) {
    super(`${tensor}: ${detail}`);
    this.name = "MissingWeightError";
  }
}

/** The tensor under `name` as a matrix weight, checking dtype and shape. */
export function matrixWeight(weights: Map<string, Tensor>, name: string, rows: number, cols: number): MatrixWeight {
  const t = weights.get(name);
  if (!t) throw new MissingWeightError(name, "missing from the checkpoint");
  if (t.dtype !== "f32" && t.dtype !== "f16" && t.dtype !== "bf16") {
    throw new MissingWeightError(name, `dtype ${t.dtype} is not f32, f16 or bf16`);
  }
  if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== cols) {
    throw new MissingWeightError(name, `shape [${t.shape.join(", ")}] != expected [${rows}, ${cols}]`);
  }
  return { data: t.contiguousData() as WeightData, dtype: t.dtype, rows, cols };
}

/** A vector (norm weight or bias) as f32, converting half precision once at load. */
export function vectorWeight(weights: Map<string, Tensor>, name: string, length: number): Float32Array {
  const t = weights.get(name);
  if (!t) throw new MissingWeightError(name, "missing from the checkpoint");
  if (t.numel !== length) throw new MissingWeightError(name, `has ${t.numel} elements, expected ${length}`);
  return t.dtype === "f32" ? (t.contiguousData() as Float32Array) : t.toFloat32();
}
