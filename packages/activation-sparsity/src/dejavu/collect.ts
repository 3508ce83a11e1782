/**
 * Runs calibration documents through the dense model and records, for every token and block,
 * what DejaVu trains on: the block's normalised input (what the predictors read) and how much
 * each MLP neuron and each attention head contributed (what the labels come from; see labels.ts).
 * Everything comes from activation taps on the dense modules, so the model's code is untouched.
 */
import { PageAllocator } from "@sieve/core";
import { PagedAttention, Sequence, SwiGluMlp, type LlamaModel } from "@sieve/model";
import { denseWeightF32 } from "./dense-weights.js";
import { downColumnNorms, headContributions, neuronContributions } from "./labels.js";

export interface DejaVuActivations {
  rows: number;
  /** Which calibration document each row came from (held-out splits go by document). */
  documentOfRow: Int32Array;
  /** Per block: [rows, dim], the attention input (the residual before the block, RMS-normalised). */
  blockInputs: Float32Array[];
  /** Per block: [rows, hiddenDim], each MLP neuron's contribution norm. */
  neuronContributions: Float32Array[];
  /** Per block: [rows, nHeads], each attention head's contribution norm. */
  headContributions: Float32Array[];
}

export interface CollectOptions {
  /** Stop after this many tokens (default: all). */
  maxTokens?: number;
  /** Called after each forward step with the tokens recorded so far. */
  onProgress?: (tokens: number) => void;
}

/** Growing list of f32 chunks, joined once at the end. */
class Chunks {
  private readonly parts: Float32Array[] = [];
  push(data: Float32Array): void {
    this.parts.push(data);
  }
  join(): Float32Array {
    const out = new Float32Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export async function collectDejaVuActivations(model: LlamaModel, documents: ReadonlyArray<ArrayLike<number>>, options: CollectOptions = {}): Promise<DejaVuActivations> {
  const c = model.config;
  const blocks = model.layers.map((layer, i) => {
    if (!(layer.attn instanceof PagedAttention) || !(layer.mlp instanceof SwiGluMlp)) {
      throw new TypeError(`DejaVu calibration: block ${i} is not the dense attention + SwiGLU MLP (restore DejaVu or other techniques first; labels come from the dense model)`);
    }
    return {
      columnNorms: downColumnNorms(denseWeightF32(layer.mlp.down, `layers.${i}.mlp.down_proj`), c.dim, c.hiddenDim),
      oWeight: denseWeightF32(layer.attn.o, `layers.${i}.self_attn.o_proj`),
      inputs: new Chunks(),
      neurons: new Chunks(),
      heads: new Chunks(),
    };
  });
  // Runs of rows: [document, rows] per window.
  const runs: Array<[number, number]> = [];
  let rows = 0;

  const unsubscribe: Array<() => void> = [];
  blocks.forEach((b, i) => {
    unsubscribe.push(
      model.taps.on(`layers.${i}.self_attn.q_proj`, (_p, x, n, cols) => b.inputs.push(x.slice(0, n * cols))),
      model.taps.on(`layers.${i}.mlp.down_proj`, (_p, x, n) => {
        const out = new Float32Array(n * c.hiddenDim);
        neuronContributions(out, x, n, b.columnNorms);
        b.neurons.push(out);
      }),
      model.taps.on(`layers.${i}.self_attn.o_proj`, (_p, x, n) => {
        const out = new Float32Array(n * c.nHeads);
        headContributions(out, x, n, b.oWeight, c.dim, c.nHeads, c.headDim);
        b.heads.push(out);
      }),
    );
  });

  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const window = c.maxSeqLen;
  const pages = Math.ceil(window / 16);
  const kv = model.createKvCache(pages, 16);
  const seq = new Sequence(model, kv, new PageAllocator(pages), { maxLength: window });
  try {
    for (let d = 0; d < documents.length && rows < maxTokens; d++) {
      const doc = documents[d]!;
      // Documents longer than the context are cut into windows that each start at position 0.
      for (let start = 0; start < doc.length && rows < maxTokens; start += window) {
        const end = Math.min(doc.length, start + window, start + (maxTokens - rows));
        seq.reset();
        seq.prefill(Array.prototype.slice.call(doc, start, end) as number[]);
        runs.push([d, end - start]);
        rows += end - start;
        options.onProgress?.(rows);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    seq.release();
    for (const off of unsubscribe) off();
  }

  const documentOfRow = new Int32Array(rows);
  let at = 0;
  for (const [doc, n] of runs) {
    documentOfRow.fill(doc, at, at + n);
    at += n;
  }
  return {
    rows,
    documentOfRow,
    blockInputs: blocks.map((b) => b.inputs.join()),
    neuronContributions: blocks.map((b) => b.neurons.join()),
    headContributions: blocks.map((b) => b.heads.join()),
  };
}
