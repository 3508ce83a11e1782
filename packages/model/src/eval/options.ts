import type { ModelConfig } from "../arch/config.js";
import type { BosPolicy } from "./inputs.js";
import { checkWindowSizes } from "./windows.js";

/** How an evaluation cuts its input into windows. */
export interface EvalWindowOptions {
  /** Most tokens per window (default: the model's maxSeqLen; at most that). */
  ctx?: number;
  /** Tokens between window starts, in [1, ctx] (default ctx: disjoint windows). */
  stride?: number;
  /** Default "per-document" when the model has a BOS id, else "none". */
  bos?: BosPolicy;
  /** BOS id for "per-document" (default: the model config's). */
  bosId?: number;
  /**
   * Most tokens per forward step (default ctx: each window is one prefill). Lower it for large
   * vocabularies: a step holds logits of up to chunkSize rows.
   */
  chunkSize?: number;
  /** Called after each forward step with the tokens scored so far and the total to score. */
  onProgress?: (scored: number, total: number) => void;
}

export interface ResolvedWindowOptions {
  ctx: number;
  stride: number;
  bos: BosPolicy;
  bosId: number | undefined;
  chunkSize: number;
}

export function resolveWindowOptions(config: ModelConfig, o: EvalWindowOptions): ResolvedWindowOptions {
  const ctx = o.ctx ?? config.maxSeqLen;
  const stride = o.stride ?? ctx;
  checkWindowSizes(ctx, stride);
  if (ctx > config.maxSeqLen) throw new RangeError(`evaluation: ctx ${ctx} exceeds the model's context of ${config.maxSeqLen} tokens`);
  const bosId = o.bosId ?? config.bosTokenId;
  const bos = o.bos ?? (bosId !== undefined ? "per-document" : "none");
  if (bos !== "per-document" && bos !== "none") throw new RangeError(`evaluation: bos must be "per-document" or "none", got ${JSON.stringify(bos)}`);
  const chunkSize = o.chunkSize ?? ctx;
  return { ctx, stride, bos, bosId, chunkSize };
}
