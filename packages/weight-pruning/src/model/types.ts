/**
 * The model-level pruning interface: options, progress events, and what comes back. The
 * per-linear result (PrunedLinear) is the hand-off to the sparse formats: dense Float32 values
 * with zeros where pruned, the mask, and the N:M pattern when there is one; a `compress` hook
 * turns it into the layer that replaces the dense one.
 */
import type { LinearLayer, WeightDType } from "@sieve/core";
import type { CalibrationSamples } from "@sieve/model";
import type { NmPattern } from "../algorithms/types.js";
import type { OwlOptions } from "../algorithms/owl.js";
import type { ReconstructOptions } from "../algorithms/reconstruct.js";
import type { SparseGptOptions } from "../algorithms/sparsegpt.js";

export type PruneMethod = "magnitude" | "wanda" | "sparsegpt";

/** Where magnitude pruning compares weights: each layer, each output row, or all pruned linears at once. */
export type MagnitudeModelScope = "layer" | "row" | "global";

export type SparsityAllocation = "uniform" | "owl" | ({ kind: "owl" } & OwlOptions);

export interface PruneModelOptions {
  method: PruneMethod;
  /** Unstructured: the fraction of each pruned linear's weights set to zero (the mean over blocks under OWL). */
  sparsity?: number;
  /** Semi-structured instead of `sparsity`: "2:4", "4:8" or { n, m }. */
  pattern?: NmPattern | string;
  /** Per-block sparsity: "uniform" (default) or OWL (unstructured only; needs calibration). */
  allocation?: SparsityAllocation;
  /** Magnitude only (default "layer", the papers' baseline). */
  magnitudeScope?: MagnitudeModelScope;
  /**
   * Calibration samples (see @sieve/model's calibration sources). Required by wanda, sparsegpt,
   * OWL and reconstruction; with magnitude they only serve reconstruction and the error report.
   * Blocks are calibrated in order on the outputs of the already-pruned blocks before them.
   */
  calibration?: CalibrationSamples;
  /** Least-squares refit of each row's kept weights on the calibration inputs (true or options). */
  reconstruct?: boolean | ReconstructOptions;
  /** SparseGPT's blocksize and dampening. */
  sparsegpt?: SparseGptOptions;
  /** Which linear slots to prune (default every linear inside a block; the LM head and embeddings are never pruned). */
  include?: (path: string) => boolean;
  /** Report each layer's relative output error on the calibration inputs (default: when calibration is given). */
  measureError?: boolean;
  /** Builds the layer that replaces a pruned linear (e.g. a compressed one); undefined keeps a dense masked layer. */
  compress?: (pruned: PrunedLinear) => LinearLayer | undefined;
  onProgress?: (event: PruneProgress) => void;
}

export interface PruneProgress {
  /** "allocate": OWL's dense calibration pass; "calibrate": a block runs on the samples; "prune": one linear was pruned. */
  phase: "allocate" | "calibrate" | "prune";
  layer: number;
  path?: string;
  done: number;
  total: number;
}

/** One pruned linear, as the sparse formats take it. */
export interface PrunedLinear {
  /** Slot path, e.g. "layers.3.mlp.down_proj". */
  path: string;
  /** Dense [rows, cols] values, zero where pruned. */
  weight: Float32Array;
  rows: number;
  cols: number;
  /** 1 = kept, 0 = pruned. */
  mask: Uint8Array;
  pattern?: NmPattern;
  bias: Float32Array | null;
  /** The dtype the layer was stored in (and a dense replacement is stored in). */
  dtype: WeightDType;
}

export interface LayerPruneReport {
  path: string;
  layer: number;
  rows: number;
  cols: number;
  /** The sparsity asked of this linear (N:M: the pattern's share). */
  targetSparsity: number;
  /** The fraction of its mask that is pruned. */
  sparsity: number;
  /** ||WX - W'X||² / ||WX||² on this block's calibration inputs (before reconstruction when there is one). */
  relativeError?: number;
  /** The same after reconstruction. */
  relativeErrorReconstructed?: number;
  seconds: number;
}

export interface PruneReport {
  method: PruneMethod;
  /** "50%" or "2:4". */
  target: string;
  allocation: "uniform" | "owl";
  /** The sparsity asked of each block (N:M: the pattern's share). */
  blockSparsity: number[];
  /** OWL's outlier ratio per block. */
  outlierRatios?: number[];
  reconstruct: boolean;
  calibrationTokens: number;
  /** Pruned weights / weights of the pruned linears. */
  sparsity: number;
  /** Pruned weights / all weights of the model (embeddings and LM head included). */
  modelSparsity: number;
  seconds: number;
  layers: LayerPruneReport[];
}

export interface PruneResult {
  report: PruneReport;
  /** Every pruned linear, in model order. */
  linears: PrunedLinear[];
}
