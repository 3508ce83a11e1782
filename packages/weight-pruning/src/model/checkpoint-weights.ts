/**
 * A model's weights as a checkpoint map under Hugging Face names, so a structurally pruned model
 * can be built (new LlamaModel(config, weights)) and saved with the model package's writers.
 * Unchanged tensors wrap the model's own arrays (no copy): treat them as read-only.
 */
import { DenseLinear, Tensor, type LinearLayer, type WeightData, type WeightDType } from "@sieve/core";
import { hfNames, type LlamaModel } from "@sieve/model";

export function matrixTensor(data: WeightData, dtype: WeightDType, rows: number, cols: number): Tensor {
  return dtype === "f32" ? Tensor.wrap("f32", data as Float32Array, [rows, cols]) : Tensor.wrap(dtype, data as Uint16Array, [rows, cols]);
}

function vectorTensor(v: Float32Array): Tensor {
  return Tensor.wrap("f32", v, [v.length]);
}

function denseOf(layer: LinearLayer, name: string): DenseLinear {
  if (!(layer instanceof DenseLinear)) {
    throw new TypeError(`${name} is a "${layer.describe().kind}" layer; structured pruning rebuilds the model from dense weights, so run it before compressing`);
  }
  return layer;
}

/** Every tensor of the model under HF names (biases where the layers have them). */
export function checkpointWeightsOf(model: LlamaModel): Map<string, Tensor> {
  const c = model.config;
  const weights = new Map<string, Tensor>();
  weights.set(hfNames.embed, matrixTensor(model.embed.data, model.embed.dtype, model.embed.rows, model.embed.cols));
  model.layers.forEach((block, i) => {
    const n = hfNames.layer(i);
    weights.set(n.attnNorm, vectorTensor(block.attnNorm));
    weights.set(n.mlpNorm, vectorTensor(block.mlpNorm));
    const linear = (slot: string, name: string, biasName?: string): void => {
      const layer = denseOf(model.tree.get<LinearLayer>(`layers.${i}.${slot}`).get(), name);
      weights.set(name, matrixTensor(layer.weight, layer.dtype, layer.outFeatures, layer.inFeatures));
      if (layer.bias && biasName) weights.set(biasName, vectorTensor(layer.bias));
    };
    linear("self_attn.q_proj", n.q, n.qBias);
    linear("self_attn.k_proj", n.k, n.kBias);
    linear("self_attn.v_proj", n.v, n.vBias);
    linear("self_attn.o_proj", n.o, n.oBias);
    linear("mlp.gate_proj", n.gate);
    linear("mlp.up_proj", n.up);
    linear("mlp.down_proj", n.down);
  });
  weights.set(hfNames.finalNorm, vectorTensor(model.finalNorm));
  if (!c.tiedEmbeddings) {
    const head = denseOf(model.lmHead, hfNames.lmHead);
    weights.set(hfNames.lmHead, matrixTensor(head.weight, head.dtype, head.outFeatures, head.inFeatures));
  }
  return weights;
}
