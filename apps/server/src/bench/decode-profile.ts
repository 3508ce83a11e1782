import type { LinearLayer } from "@sieve/core";
import { SwiGluMlp, type LlamaModel } from "@sieve/model";
import { GreedySequence } from "./greedy-sequence.js";
import { LayerTimers } from "./layer-timers.js";
import { breakdownOf, OpTimes, timingBackend, type Breakdown } from "./op-profile.js";
import type { DecodeBytes } from "./roofline.js";
import type { SwitchableBackend } from "./switchable-backend.js";
import { nowSeconds } from "./timer.js";

export interface DecodeProfile {
  steps: number;
  /** Wall time per decode step (profiled, so slightly slower than the headline run). */
  msPerToken: number;
  /** Per category: ms per token and share of the wall time. "js" is wall time outside any kernel call. */
  breakdown: Breakdown;
  /**
   * Per linear projection (q_proj, ..., down_proj, summed over layers, and lm_head): ms per token
   * and the GB/s its weights streamed at. Shapes differ (k = 768 vs 2048 ...), so this shows
   * which GEMV shapes fall short of the measured bandwidth. Any linear counts (dense, TEAL,
   * pruned: the layer's forward is timed); for sparse layers the GB/s is the stored bytes over
   * the time, not what the kernel read. "mlp": the fused sparse MLP kernels of CATS and DejaVu
   * (see layer-timers.ts), with shape "?" (and 0 GB/s where it has no byte count).
   */
  projections: Record<string, { msPerToken: number; gbs: number; shape: string }>;
  /**
   * Per op: calls per token and microseconds per call. Kernel ops (gemv, rmsNorm, ...) and whole
   * layers ("linear:dense", "linear:teal", "lm_head:dense", "mlp:cats", ...). Rows overlap: a
   * linear's row includes the kernel calls made inside it, which also have their own rows (a
   * CATS module's row, mlp:cats, is only what nothing inside it counted).
   */
  ops: Record<string, { callsPerToken: number; usPerCall: number }>;
  /** Bytes the linears + LM head read per token divided by the time spent in them: what the GEMV kernels achieve. */
  linearBandwidthGBs: number;
}

/**
 * Decodes `steps` tokens greedily after the prompt with every kernel call and every linear
 * timed (layer-timers.ts), and splits the step time into linears, LM head, attention, norms,
 * elementwise ops, embedding, sampling (argmax) and the JavaScript in between (model code, batch
 * bookkeeping, call overhead).
 */
export function profileDecode(model: LlamaModel, backend: SwitchableBackend, promptIds: readonly number[], steps: number, bytes: DecodeBytes): DecodeProfile {
  const plain = backend.current;
  const times = new OpTimes();
  const runner = new GreedySequence(model, promptIds.length + steps + 1);
  let wall = 0;
  try {
    let token = runner.argmax(runner.seq.prefill(promptIds));
    backend.current = timingBackend(plain, model, times);
    const layers = new LayerTimers(model, times);
    wall = layers.around(() => {
      const start = nowSeconds();
      for (let i = 0; i < steps; i++) token = runner.argmax(runner.seq.decode(token));
      return nowSeconds() - start;
    });
  } finally {
    backend.current = plain;
    runner.release();
  }
  const perToken = (s: number): number => (s / steps) * 1000;
  const breakdown = breakdownOf(times, wall, steps);
  const projections: DecodeProfile["projections"] = {};
  const weights = projectionWeights(model);
  for (const [name, seconds] of times.byProjection) {
    const w = weights.get(name);
    projections[name] = { msPerToken: perToken(seconds), gbs: w ? (w.bytes * steps) / seconds / 1e9 : 0, shape: w?.shape ?? "?" };
  }
  const headSeconds = times.byCategory.get("lm_head") ?? 0;
  const head = model.lmHead.describe();
  if (headSeconds > 0) {
    projections.lm_head = { msPerToken: perToken(headSeconds), gbs: (bytes.lmHead * steps) / headSeconds / 1e9, shape: `${head.outFeatures}x${head.inFeatures}` };
  }
  const ops: DecodeProfile["ops"] = {};
  for (const [name, { seconds, calls }] of times.byOp) ops[name] = { callsPerToken: calls / steps, usPerCall: (seconds / calls) * 1e6 };
  const linearSeconds = (times.byCategory.get("linear") ?? 0) + (times.byCategory.get("lm_head") ?? 0);
  return {
    steps,
    msPerToken: perToken(wall),
    breakdown,
    projections,
    ops,
    linearBandwidthGBs: linearSeconds > 0 ? ((bytes.linears + bytes.lmHead) * steps) / linearSeconds / 1e9 : 0,
  };
}

/** Bytes (over all layers) and the [out x in] shape of each projection name. */
function projectionWeights(model: LlamaModel): Map<string, { bytes: number; shape: string }> {
  const out = new Map<string, { bytes: number; shape: string }>();
  for (const slot of model.tree.list<LinearLayer>("linear")) {
    const name = slot.path.slice(slot.path.lastIndexOf(".") + 1);
    const d = slot.get().describe();
    const entry = out.get(name) ?? { bytes: 0, shape: `${d.outFeatures}x${d.inFeatures}` };
    entry.bytes += d.bytes;
    out.set(name, entry);
  }
  // A CATS MLP reports the bytes of the up and down weights it reads (its gate is a linear slot).
  for (const block of model.layers) {
    const bytes = (block.mlp as { describe?(): { bytes?: number } }).describe?.().bytes;
    if (block.mlp instanceof SwiGluMlp || bytes === undefined) continue;
    const entry = out.get("mlp") ?? { bytes: 0, shape: "?" };
    entry.bytes += bytes;
    out.set("mlp", entry);
  }
  return out;
}
