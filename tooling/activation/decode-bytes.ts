/**
 * Bytes a batch-1 decode step reads, the quantity a memory-bound decode's speed is set by: every
 * linear weight (or, for a TEAL layer, the rows of the inputs it did not skip), the LM head, one
 * embedding row and the norm weights. The ratio dense / sparse is the speedup ceiling a sparse
 * format can reach; speed.ts prints each measured ratio next to it.
 */
import type { LinearLayer } from "@sieve/core";
import type { LlamaModel } from "@sieve/model";
import { TealLinear } from "@sieve/activation-sparsity";

function weightBytes(layer: LinearLayer): number {
  return layer.describe().bytes;
}

/** Bytes read per token outside the linears: LM head, one embedding row, norm weights. */
export function fixedBytesPerToken(model: LlamaModel): number {
  const c = model.config;
  const embedRow = model.embed.data.byteLength / c.vocabSize;
  const norms = (2 * c.nLayers + 1) * c.dim * 4;
  return weightBytes(model.lmHead) + embedRow + norms;
}

/** Dense bytes per token: every linear weight once, plus the fixed part. */
export function denseBytesPerToken(model: LlamaModel): number {
  let total = fixedBytesPerToken(model);
  for (const slot of model.tree.list<LinearLayer>("linear")) total += weightBytes(slot.get());
  return total;
}

/**
 * Bytes per token of a TEAL model over the steps its counters saw: each TealLinear reads the
 * weight rows it did not skip (plus its bias); other linears read everything.
 */
export function sparseBytesPerToken(model: LlamaModel): number {
  let total = fixedBytesPerToken(model);
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const layer = slot.get();
    if (layer instanceof TealLinear) {
      const rows = layer.weightBytes;
      total += rows * (1 - layer.counter.skippedFraction) + (layer.bias?.byteLength ?? 0);
    } else {
      total += weightBytes(layer);
    }
  }
  return total;
}

/** Fraction of linear weights skipped per token (weighted), from the TealLinear counters. */
export function skippedWeightFraction(model: LlamaModel): number {
  let all = 0;
  let skipped = 0;
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const layer = slot.get();
    const w = layer.inFeatures * layer.outFeatures;
    all += w;
    if (layer instanceof TealLinear) skipped += w * layer.counter.skippedFraction;
  }
  return skipped / all;
}

export function resetCounters(model: LlamaModel): void {
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const layer = slot.get();
    if (layer instanceof TealLinear) layer.counter.reset();
  }
}
