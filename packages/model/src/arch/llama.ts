import {
  ActivationTaps,
  DenseLinear,
  ModuleTree,
  PagedKvCache,
  getBackend,
  ropeInvFreq,
  type KernelBackend,
  type LinearFactory,
  type LinearLayer,
  type Tensor,
  type WeightDType,
} from "@sieve/core";
import { PagedAttention } from "./attention.js";
import { validateBatch, type ForwardBatch } from "./batch.js";
import type { ModelConfig } from "./config.js";
import { SwiGluMlp } from "./mlp.js";
import type { AttentionModule, MlpModule, StepContext } from "./modules.js";
import { Scratch } from "./scratch.js";
import { hfNames, matrixWeight, vectorWeight, type MatrixWeight } from "./weights.js";

/** One transformer block; attention and mlp are swappable slots in the module tree. */
export interface LlamaBlock {
  attnNorm: Float32Array;
  attn: AttentionModule;
  mlpNorm: Float32Array;
  mlp: MlpModule;
  /** The block's input tap point ("layers.3.input"), built once rather than per step. */
  readonly inputTap: string;
}

export interface LlamaModelOptions {
  /** Kernel backend getter; defaults to the process-wide backend (SIEVE_BACKEND). */
  backend?: () => KernelBackend;
  /**
   * Builds linears whose weights are stored in a technique's format (pruned, packed); tried
   * first for every projection, falling back to a dense layer from `${name}.weight`.
   */
  linearFactory?: LinearFactory;
}

/**
 * A Llama-family decoder (Llama 1/2/3, Mistral, Qwen2, SmolLM, TinyLlama, llama2.c) that runs a
 * ragged batch over a paged KV cache. Weights are held once, in their stored dtype.
 */
export class LlamaModel {
  readonly tree = new ModuleTree();
  readonly taps = new ActivationTaps();
  readonly layers: LlamaBlock[] = [];
  readonly embed: MatrixWeight;
  readonly finalNorm: Float32Array;
  lmHead: LinearLayer;
  private readonly scratch = new Scratch();
  private readonly backendOf: () => KernelBackend;

  constructor(
    readonly config: ModelConfig,
    weights: Map<string, Tensor>,
    options: LlamaModelOptions = {},
  ) {
    const c = config;
    this.backendOf = options.backend ?? getBackend;
    const invFreq = ropeInvFreq({ headDim: c.headDim, rotaryDim: c.rope.rotaryDim, theta: c.rope.theta, scaling: c.rope.scaling });
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    const linear = (weightName: string, rows: number, cols: number, biasName?: string): LinearLayer => {
      const bias = biasName ? vectorWeight(weights, biasName, rows) : null;
      const name = weightName.replace(/\.weight$/, "");
      const custom = options.linearFactory?.({ name, outFeatures: rows, inFeatures: cols, weights, bias, backend: this.backendOf });
      if (custom) return custom;
      const w = matrixWeight(weights, weightName, rows, cols);
      return new DenseLinear(w.data, w.dtype, rows, cols, bias, this.backendOf);
    };

    this.embed = matrixWeight(weights, hfNames.embed, c.vocabSize, c.dim);
    for (let i = 0; i < c.nLayers; i++) {
      const n = hfNames.layer(i);
      const path = `layers.${i}`;
      const attn = new PagedAttention(
        `${path}.self_attn`,
        { dim: c.dim, nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, ropeStyle: c.rope.style, invFreq },
        linear(n.q, qDim, c.dim, c.qkvBias ? n.qBias : undefined),
        linear(n.k, kvDim, c.dim, c.qkvBias ? n.kBias : undefined),
        linear(n.v, kvDim, c.dim, c.qkvBias ? n.vBias : undefined),
        linear(n.o, c.dim, qDim, c.oBias ? n.oBias : undefined),
      );
      const mlp = new SwiGluMlp(`${path}.mlp`, linear(n.gate, c.hiddenDim, c.dim), linear(n.up, c.hiddenDim, c.dim), linear(n.down, c.dim, c.hiddenDim));
      const block: LlamaBlock = {
        attnNorm: vectorWeight(weights, n.attnNorm, c.dim),
        attn,
        mlpNorm: vectorWeight(weights, n.mlpNorm, c.dim),
        mlp,
        inputTap: `${path}.input`,
      };
      this.layers.push(block);
      this.tree.add(`${path}.self_attn`, "attention", block, "attn");
      for (const [slot, key] of [["q_proj", "q"], ["k_proj", "k"], ["v_proj", "v"], ["o_proj", "o"]] as const) {
        this.tree.add(`${path}.self_attn.${slot}`, "linear", attn, key);
      }
      this.tree.add(`${path}.mlp`, "mlp", block, "mlp");
      for (const [slot, key] of [["gate_proj", "gate"], ["up_proj", "up"], ["down_proj", "down"]] as const) {
        this.tree.add(`${path}.mlp.${slot}`, "linear", mlp, key);
      }
    }
    this.finalNorm = vectorWeight(weights, hfNames.finalNorm, c.dim);
    const head = c.tiedEmbeddings ? this.embed : matrixWeight(weights, hfNames.lmHead, c.vocabSize, c.dim);
    this.lmHead = new DenseLinear(head.data, head.dtype, c.vocabSize, c.dim, null, this.backendOf);
    this.tree.add("lm_head", "head", this as LlamaModel, "lmHead");
  }

  get backend(): KernelBackend {
    return this.backendOf();
  }

  /** A paged KV cache sized for this model. */
  createKvCache(numPages: number, pageSize?: number): PagedKvCache {
    const c = this.config;
    return new PagedKvCache({ numLayers: c.nLayers, numPages, pageSize, nKvHeads: c.nKvHeads, headDim: c.headDim });
  }

  /** KV bytes per token (f32 K and V, all layers). */
  get kvBytesPerToken(): number {
    const c = this.config;
    return 2 * c.nLayers * c.nKvHeads * c.headDim * 4;
  }

  /**
   * One step over a ragged batch. Writes each token's K/V into its page, and returns the logits
   * of `batch.logitRows` as [logitRows.length, vocab] — a scratch view, valid until the next call.
   */
  forward(batch: ForwardBatch, kv: PagedKvCache): Float32Array {
    const c = this.config;
    validateBatch(batch, kv.pageSize, kv.numPages);
    if (kv.numLayers !== c.nLayers || kv.nKvHeads !== c.nKvHeads || kv.headDim !== c.headDim) {
      throw new RangeError("forward: the KV cache was not created for this model");
    }
    const backend = this.backendOf();
    const rows = batch.tokens.length;
    const ctx: StepContext = { layer: 0, batch, kv, backend, scratch: this.scratch, taps: this.taps, rows, kvSlots: undefined };
    const x = this.scratch.floats("x", rows * c.dim);
    const h = this.scratch.floats("h", rows * c.dim);
    const y = this.scratch.floats("y", rows * c.dim);

    backend.embedding(x, this.embed.data, this.embed.dtype as WeightDType, batch.tokens, c.dim);
    for (let i = 0; i < this.layers.length; i++) this.runBlock(i, x, h, y, ctx);

    // Only the rows whose logits are wanted go through the final norm and the LM head.
    const r = batch.logitRows.length;
    const picked = this.scratch.floats("picked", r * c.dim);
    if (this.taps.active("final.input")) {
      gatherRows(picked, x, batch.logitRows, c.dim);
      this.taps.emit("final.input", picked, r, c.dim);
      backend.rmsNorm(picked, picked, this.finalNorm, r, c.dim, c.normEps);
    } else if (r === rows && isIdentity(batch.logitRows)) {
      // Every row in order (any decode-only step): normalize straight out of x, skipping the
      // copy. The norm is per row, so this is the same arithmetic as copying first.
      backend.rmsNorm(picked, x, this.finalNorm, r, c.dim, c.normEps);
    } else {
      gatherRows(picked, x, batch.logitRows, c.dim);
      backend.rmsNorm(picked, picked, this.finalNorm, r, c.dim, c.normEps);
    }
    const logits = this.scratch.floats("logits", r * c.vocabSize);
    if (this.taps.active("lm_head")) this.taps.emit("lm_head", picked, r, c.dim);
    this.lmHead.forward(logits, picked, r);
    return logits;
  }

  /**
   * Runs block `layer` alone, in place on the hidden states x [batch.tokens.length, dim], writing
   * the batch's K/V into that layer's pages. Layer-by-layer calibration uses it to feed block k
   * the outputs of the (already pruned) blocks before it; `forward` runs the same code per block.
   */
  forwardBlock(layer: number, x: Float32Array, batch: ForwardBatch, kv: PagedKvCache): void {
    const c = this.config;
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.layers.length) {
      throw new RangeError(`forwardBlock: layer ${layer} is not in [0, ${this.layers.length})`);
    }
    validateBatch(batch, kv.pageSize, kv.numPages);
    if (kv.numLayers !== c.nLayers || kv.nKvHeads !== c.nKvHeads || kv.headDim !== c.headDim) {
      throw new RangeError("forwardBlock: the KV cache was not created for this model");
    }
    const rows = batch.tokens.length;
    if (x.length < rows * c.dim) throw new RangeError(`forwardBlock: x holds ${x.length} floats, expected ${rows}x${c.dim}`);
    const ctx: StepContext = { layer, batch, kv, backend: this.backendOf(), scratch: this.scratch, taps: this.taps, rows };
    const h = this.scratch.floats("h", rows * c.dim);
    const y = this.scratch.floats("y", rows * c.dim);
    this.runBlock(layer, x.subarray(0, rows * c.dim), h, y, ctx);
  }

  /** x += attn(norm(x)); x += mlp(norm(x)) for block i, with h and y as scratch. */
  private runBlock(i: number, x: Float32Array, h: Float32Array, y: Float32Array, ctx: StepContext): void {
    const c = this.config;
    const { backend, rows } = ctx;
    const block = this.layers[i]!;
    ctx.layer = i;
    if (this.taps.active(block.inputTap)) this.taps.emit(block.inputTap, x, rows, c.dim);
    backend.rmsNorm(h, x, block.attnNorm, rows, c.dim, c.normEps);
    block.attn.forward(y, h, ctx);
    backend.add(x, x, y);
    backend.rmsNorm(h, x, block.mlpNorm, rows, c.dim, c.normEps);
    block.mlp.forward(y, h, ctx);
    backend.add(x, x, y);
  }

  /** Bytes of all weights held in memory. */
  get weightBytes(): number {
    let total = this.embed.data.byteLength + this.finalNorm.byteLength;
    if (!this.config.tiedEmbeddings) total += this.lmHead.describe().bytes;
    for (const b of this.layers) total += b.attnNorm.byteLength + b.mlpNorm.byteLength;
    for (const slot of this.tree.list<LinearLayer>("linear")) total += slot.get().describe().bytes;
    return total;
  }

  /** Bytes of runtime scratch buffers currently held. */
  get scratchBytes(): number {
    return this.scratch.bytes;
  }
}

/** picked[j, :] = x[rows[j], :]. */
function gatherRows(picked: Float32Array, x: Float32Array, rows: Int32Array, dim: number): void {
  for (let j = 0; j < rows.length; j++) {
    const src = rows[j]! * dim;
    picked.set(x.subarray(src, src + dim), j * dim);
  }
}

/** rows is 0, 1, ..., rows.length - 1. */
function isIdentity(rows: Int32Array): boolean {
  for (let j = 0; j < rows.length; j++) if (rows[j] !== j) return false;
  return true;
}
