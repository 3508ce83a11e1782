/**
 * savePrunedCheckpoint: the pruning transform's output (a dense weight and a mask per pruned
 * linear) compressed and written as a checkpoint that `sieve serve/generate/eval` load with
 * sparseLinearFactory. N:M-masked layers become N:M weights, others an unstructured format.
 */
import { Tensor } from "@sieve/core";
import { permuteInterleavedToHalf, type LoadedCheckpoint } from "@sieve/model";
import { compressNm, isSupportedNm, type NmPattern } from "../formats/nm.js";
import type { SparseWeight, UnstructuredFormat } from "../formats/sparse-weight.js";
import { compressUnstructured } from "../formats/unstructured.js";
import type { SparseValueDtype } from "../formats/values.js";
import { weightNameOf } from "./names.js";
import { writePackedCheckpoint, type WritePackedOptions, type WrittenCheckpoint } from "./write.js";

/** One pruned linear as the pruning transform yields it. */
export interface PrunedLayerToSave {
  /** "layers.0.mlp.up_proj" (module tree) or "model.layers.0.mlp.up_proj[.weight]" (checkpoint). */
  path: string;
  /** [rows, cols] row-major, f32; entries where mask is 0 are ignored. */
  weight: Float32Array;
  rows: number;
  cols: number;
  /** [rows, cols]: 1 keeps the weight. */
  mask: Uint8Array;
  /** Set when the mask is N:M along each row (e.g. { n: 2, m: 4 }). */
  pattern?: NmPattern;
  /** The dtype the layer was stored in; f16 layers get f16 values unless options.valueDtype says otherwise. */
  dtype?: string;
}

export interface SavePrunedOptions extends WritePackedOptions {
  /**
   * "auto" (default): N:M for layers with a supported pattern, the measured-fastest unstructured
   * format otherwise; "nm": every layer must carry a pattern; or one unstructured format for all.
   */
  format?: "auto" | "nm" | "unstructured" | UnstructuredFormat;
  /** Dtype of the stored values. Default: f16 when the layer (or the checkpoint) stores that weight in f16, else f32. */
  valueDtype?: SparseValueDtype;
}

export async function savePrunedCheckpoint(dir: string, checkpoint: LoadedCheckpoint, prunedLayers: readonly PrunedLayerToSave[], options: SavePrunedOptions = {}): Promise<WrittenCheckpoint> {
  const packed = new Map<string, SparseWeight>();
  for (const layer of prunedLayers) {
    const name = weightNameOf(layer.path);
    if (packed.has(name)) throw new Error(`savePrunedCheckpoint: ${layer.path} is given twice`);
    packed.set(name, compressLayer(checkpoint, name, layer, options));
  }
  return writePackedCheckpoint(dir, checkpoint, packed, { recipe: options.recipe, shardBytes: options.shardBytes });
}

function compressLayer(checkpoint: LoadedCheckpoint, name: string, layer: PrunedLayerToSave, options: SavePrunedOptions): SparseWeight {
  const stored = checkpoint.weights.get(name);
  if (stored && (stored.shape[0] !== layer.rows || stored.shape[1] !== layer.cols)) {
    throw new RangeError(`savePrunedCheckpoint: ${layer.path} is ${layer.rows}x${layer.cols}, but ${name} is [${stored.shape.join(", ")}]`);
  }
  const valueDtype = options.valueDtype ?? ((layer.dtype ?? stored?.dtype) === "f16" ? "f16" : "f32");
  const { weight, mask } = inHalfRopeOrder(checkpoint, name, layer);
  const dense = { data: weight, dtype: "f32" as const, rows: layer.rows, cols: layer.cols };
  const format = options.format ?? "auto";
  const nm = layer.pattern && isSupportedNm(layer.pattern);
  if (format === "nm" || (format === "auto" && nm)) {
    if (!layer.pattern) throw new Error(`savePrunedCheckpoint: format "nm" but ${layer.path} has no N:M pattern`);
    return compressNm(dense, mask, layer.pattern, valueDtype);
  }
  return compressUnstructured(dense, mask, valueDtype, format === "auto" || format === "unstructured" ? "auto" : format);
}

const QK = /^model\.layers\.\d+\.self_attn\.([qk])_proj\.weight$/;

/**
 * The layer's weight and mask with Q/K rows in Hugging Face "half" RoPE order when the source is
 * interleaved (llama2.c, GGUF), as the written config says "half". Rows move whole, so N:M
 * groups (along columns) are unaffected.
 */
function inHalfRopeOrder(checkpoint: LoadedCheckpoint, name: string, layer: PrunedLayerToSave): { weight: Float32Array; mask: Uint8Array } {
  const c = checkpoint.config;
  const qk = c.rope.style === "interleaved" ? QK.exec(name) : null;
  if (!qk) return { weight: layer.weight, mask: layer.mask };
  const heads = qk[1] === "q" ? c.nHeads : c.nKvHeads;
  const permute = <T extends Tensor>(t: T) => permuteInterleavedToHalf(t, heads, c.headDim, c.rope.rotaryDim).contiguousData();
  return {
    weight: permute(Tensor.wrap("f32", layer.weight, [layer.rows, layer.cols])) as Float32Array,
    mask: permute(Tensor.wrap("u8", layer.mask, [layer.rows, layer.cols])) as Uint8Array,
  };
}
