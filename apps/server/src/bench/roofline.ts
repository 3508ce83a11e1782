import { dtypeBytes, type LinearLayer, type NativeBackend } from "@sieve/core";
import type { LlamaModel } from "@sieve/model";

/** Weight bytes one batch-1 decode step must read, by part. */
export interface DecodeBytes {
  /** Every linear slot (q/k/v/o/gate/up/down of every layer), as each layer reports its bytes. */
  linears: number;
  /** The LM head (the whole embedding matrix again when the embeddings are tied). */
  lmHead: number;
  /** The one embedding row the token looks up. */
  embeddingRow: number;
  /** linears + lmHead + embeddingRow. */
  total: number;
  /** Left out of the total: RMSNorm weights (tiny) and KV-cache reads (grow with the position). */
  excluded: { norms: number; kvPerPosition: number };
  formula: string;
}

export const DECODE_BYTES_FORMULA =
  "bytes/token = sum over linear slots of describe().bytes (values + indices + bias, so sparse formats count what they read) + LM head bytes + one embedding row (dim x dtype bytes); norms and KV reads excluded";

export function decodeBytesPerToken(model: LlamaModel): DecodeBytes {
  const c = model.config;
  const linears = model.tree.list<LinearLayer>("linear").reduce((n, slot) => n + slot.get().describe().bytes, 0);
  const lmHead = model.lmHead.describe().bytes;
  const embeddingRow = c.dim * dtypeBytes(model.embed.dtype);
  const norms = (2 * c.nLayers + 1) * c.dim * 4;
  return {
    linears,
    lmHead,
    embeddingRow,
    total: linears + lmHead + embeddingRow,
    excluded: { norms, kvPerPosition: model.kvBytesPerToken },
    formula: DECODE_BYTES_FORMULA,
  };
}

/** The machine's two ceilings, measured now with the thread count the kernels use. */
export interface MachineCeilings {
  /** Streaming read over 1 GiB, best of 3, GB/s (1e9 bytes/s). */
  readBandwidthGBs: number;
  /** Register-only FMAs, GFLOP/s. */
  fmaPeakGflops: number;
  threads: number;
}

const BANDWIDTH_BYTES = 1 << 30;

export function measureCeilings(native: NativeBackend, threads: number): MachineCeilings {
  return { readBandwidthGBs: measureReadBandwidth(native, threads), fmaPeakGflops: native.addon.measureFmaPeak(threads, 300), threads };
}

/** Streaming read over 1 GiB with `threads` threads, best of 3, GB/s. */
export function measureReadBandwidth(native: NativeBackend, threads: number): number {
  return native.addon.measureReadBandwidth(BANDWIDTH_BYTES, threads, 3);
}

/** The decode rate if every weight byte streamed at the measured bandwidth and nothing else cost time. */
export function rooflineDecodeTokS(bytesPerToken: number, bandwidthGBs: number): number {
  return (bandwidthGBs * 1e9) / bytesPerToken;
}

/**
 * FLOPs of one prefill of `tokens` tokens from position 0: 2 per weight of every linear per token,
 * plus attention (QK^T and PV: 4 * heads * headDim per attended key, token t attends t + 1 keys),
 * plus the LM head once (only the last row's logits are computed).
 */
export function prefillFlops(model: LlamaModel, tokens: number): number {
  const c = model.config;
  const linearWeights = model.tree.list<LinearLayer>("linear").reduce((n, s) => n + s.get().inFeatures * s.get().outFeatures, 0);
  const attendedKeys = (tokens * (tokens + 1)) / 2;
  return 2 * linearWeights * tokens + 4 * c.nLayers * c.nHeads * c.headDim * attendedKeys + 2 * c.vocabSize * c.dim;
}
