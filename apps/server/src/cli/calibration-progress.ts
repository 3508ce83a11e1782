/**
 * How far `sieve calibrate teal|cats` has come, from the calibration's progress events: blocks run
 * one after another, each first collecting its statistics over the samples and then, with greedy
 * TEAL allocation, walking its greedy path (about 4 block runs per 0.05 step, so it dominates:
 * stories260K on 64 generated samples took 83 s greedy, 2.5 s uniform on the 2-core dev VM). The
 * path's share of a block is a fixed guess; within it, progress is the average sparsity reached
 * so far over the path's end.
 */
export interface CalibrationEvent {
  layer: number;
  phase: string;
  done: number;
  total: number;
}

/** Share of each block taken by collecting statistics when a greedy path follows. */
const COLLECT_SHARE_BEFORE_GREEDY = 0.1;

/** Overall progress in [0, 1] after `event`, for a model of `layers` blocks. */
export function calibrationFraction(event: CalibrationEvent, layers: number, greedy: boolean): number {
  const part = event.total > 0 ? Math.min(1, Math.max(0, event.done / event.total)) : 1;
  const collectShare = greedy ? COLLECT_SHARE_BEFORE_GREEDY : 1;
  const within = event.phase === "greedy" ? collectShare + (1 - collectShare) * part : collectShare * part;
  return Math.min(1, (event.layer + within) / Math.max(1, layers));
}
