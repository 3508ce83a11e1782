/**
 * The op vocabulary: one name and one signature per op, implemented by every backend
 * (the TypeScript reference kernels, the native CPU addon, CUDA). Kernels work on flat
 * contiguous typed arrays with explicit sizes so that a backend never has to allocate, and
 * callers can keep buffers across tokens. The output comes first; elementwise ops, norms and
 * softmaxes may be called in place (out === input).
 *
 * Layout conventions:
 * - Activations are f32, row-major [rows, cols]. Accumulation is f32.
 * - Linear weights are stored [out, in] (rows are output features) in f32, f16 or bf16;
 *   half-precision weights are raw bit patterns in a Uint16Array.
 * - Paged KV pools are f32 [numPages, pageSize, nKvHeads, headDim]; a block table row maps a
 *   sequence's logical page i to a physical page id (-1 = unmapped).
 */

export type BackendName = "reference" | "native" | "cuda";

/** Dtypes a weight operand (matmul/gemv/embedding) may have. */
export type WeightDType = "f32" | "f16" | "bf16";
export type WeightData = Float32Array | Uint16Array;

/** How RoPE pairs dimensions: (2i, 2i+1) as in Meta's original code, or (i, i+d/2) as in HF/NeoX. */
export type RopeStyle = "interleaved" | "half";

/** GELU variants: exact (erf) or the tanh approximation. */
export type GeluApproximation = "none" | "tanh";

export interface PagedAttentionArgs {
  /** [numTokens, nHeads, headDim] output. */
  out: Float32Array;
  /** [numTokens, nHeads, headDim] queries (RoPE already applied). */
  q: Float32Array;
  /** [numPages, pageSize, nKvHeads, headDim] key pool. */
  kPool: Float32Array;
  /** [numPages, pageSize, nKvHeads, headDim] value pool. */
  vPool: Float32Array;
  /**
   * [numSeqs, maxPagesPerSeq] physical page of each logical page, -1 = unmapped. A -1 entry BELOW a
   * token's own page is a hole (e.g. a page evicted by StreamingLLM-style cache policies): the
   * positions of that page are skipped, i.e. simply absent from the token's softmax. The page
   * holding the token's own position must be mapped (an error otherwise).
   */
  blockTable: Int32Array;
  /** [numTokens] which block-table row each query token belongs to. */
  tokenSeq: Int32Array;
  /** [numTokens] absolute position of each query token; it attends to keys 0..pos inclusive. */
  tokenPos: Int32Array;
  numTokens: number;
  nHeads: number;
  /** Query head h uses KV head floor(h / (nHeads / nKvHeads)) (GQA; MQA when 1; MHA when equal). */
  nKvHeads: number;
  headDim: number;
  pageSize: number;
  maxPagesPerSeq: number;
  /** Usually 1/sqrt(headDim). */
  scale: number;
  /**
   * Optional head subset (e.g. DejaVu's predicted attention heads): strictly increasing query-head
   * ids in [0, nHeads), the same for every token. Only these heads are computed; the output rows
   * of every other head are set to ZERO (so the whole output can go through the output
   * projection unchanged). Omitted = all heads; empty = all outputs zeroed.
   */
  heads?: Int32Array;
}

export interface PagedKvWriteArgs {
  kPool: Float32Array;
  vPool: Float32Array;
  /** [numTokens, nKvHeads, headDim] new keys and values. */
  k: Float32Array;
  v: Float32Array;
  /** [numTokens] destination slot = page * pageSize + offsetInPage. */
  slots: Int32Array;
  numTokens: number;
  nKvHeads: number;
  headDim: number;
}

/** What a backend is and which kernel variant it runs for each op (observability, `sieve inspect`). */
export interface BackendDescription {
  name: BackendName;
  /** e.g. "avx2+fma+f16c", "portable", "typescript", "cuda sm_90". */
  isa: string;
  threads: number;
  /** Kernel variant per op name, e.g. { matmul: "avx2-packed-6x16", rmsNorm: "avx2" }. */
  kernels: Record<string, string>;
  /** Free-form facts (why CUDA is unavailable, device name, ...). */
  notes: string[];
}

export interface KernelBackend {
  readonly name: BackendName;
  describe(): BackendDescription;

  /** out[m, n] = x[m, k] · w[n, k]^T (+ bias[n]). */
  matmul(out: Float32Array, x: Float32Array, w: WeightData, wDtype: WeightDType, m: number, n: number, k: number, bias?: Float32Array | null): void;
  /** out[n] = w[n, k] · x[k] (+ bias[n]); the batch-1 decode case. */
  gemv(out: Float32Array, x: Float32Array, w: WeightData, wDtype: WeightDType, n: number, k: number, bias?: Float32Array | null): void;

  /** out[i] = a[i] + b[i] for i < out.length. */
  add(out: Float32Array, a: Float32Array, b: Float32Array): void;
  /** out[i] = a[i] * b[i]. */
  mul(out: Float32Array, a: Float32Array, b: Float32Array): void;
  /** out[i] = a[i] * s. */
  scale(out: Float32Array, a: Float32Array, s: number): void;

  /** out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * weight. */
  rmsNorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, dim: number, eps: number): void;
  /** out[r, :] = (x - mean) / sqrt(var + eps) * weight + bias (bias optional). */
  layerNorm(out: Float32Array, x: Float32Array, weight: Float32Array, bias: Float32Array | null, rows: number, dim: number, eps: number): void;

  /**
   * Rotates x [rows, nHeads, headDim] in place; row r is at position positions[r]. The first
   * 2 * invFreq.length dims of each head rotate (partial rotary); the rest pass through.
   * Angle of pair i at position p = p * invFreq[i] (llama3 scaling is folded into invFreq).
   */
  rope(x: Float32Array, positions: Int32Array, rows: number, nHeads: number, headDim: number, invFreq: Float32Array, style: RopeStyle): void;

  /** Numerically stable softmax of each row. */
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void;
  /** log-softmax of each row. */
  logSoftmax(out: Float32Array, x: Float32Array, rows: number, cols: number): void;

  silu(out: Float32Array, x: Float32Array): void;
  gelu(out: Float32Array, x: Float32Array, approximate: GeluApproximation): void;
  relu(out: Float32Array, x: Float32Array): void;
  /** out[i] = silu(gate[i]) * up[i]. */
  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array): void;

  /** out[t, :] = table[ids[t], :] widened to f32; table is [vocab, dim]. Throws on an id out of range. */
  embedding(out: Float32Array, table: WeightData, tableDtype: WeightDType, ids: Int32Array, dim: number): void;

  /** out[r] = index of the largest value in row r (lowest index on ties). */
  argmax(out: Int32Array, x: Float32Array, rows: number, cols: number): void;
  /** The k largest values of each row, sorted descending (lower index first on ties). */
  topk(outValues: Float32Array, outIndices: Int32Array, x: Float32Array, rows: number, cols: number, k: number): void;
  /** out[r] = logsumexp(logits[r, :]) - logits[r, targets[r]] (negative log-likelihood in nats). */
  crossEntropy(out: Float32Array, logits: Float32Array, targets: Int32Array, rows: number, cols: number): void;

  /** Writes new keys/values into their pool slots. */
  pagedKvWrite(args: PagedKvWriteArgs): void;
  /**
   * Causal attention of each query token over its sequence's paged keys/values (GQA aware);
   * holes in the block table are skipped and `heads` limits the heads computed (see
   * PagedAttentionArgs).
   */
  pagedAttention(args: PagedAttentionArgs): void;
}

/** The op names, for descriptions and parity-test enumeration. */
export const OP_NAMES = [
  "matmul",
  "gemv",
  "add",
  "mul",
  "scale",
  "rmsNorm",
  "layerNorm",
  "rope",
  "softmax",
  "logSoftmax",
  "silu",
  "gelu",
  "relu",
  "swiglu",
  "embedding",
  "argmax",
  "topk",
  "crossEntropy",
  "pagedKvWrite",
  "pagedAttention",
] as const;

export type OpName = (typeof OP_NAMES)[number];

/** Numeric codes the native surface uses for enums (cheaper to pass than strings per call). */
export const WEIGHT_DTYPE_CODE: Record<WeightDType, number> = { f32: 0, f16: 1, bf16: 2 };
export const ROPE_STYLE_CODE: Record<RopeStyle, number> = { interleaved: 0, half: 1 };
export const GELU_CODE: Record<GeluApproximation, number> = { none: 0, tanh: 1 };
