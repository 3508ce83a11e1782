/**
 * Activation-sparsity recipes: what `sieve calibrate` writes and `--recipe FILE` (or a
 * checkpoint's "sieve.activation" metadata) applies. The format is documented in
 * docs/formats/activation-sparsity.md.
 */

export type TealAllocation = "uniform" | "greedy";
/** The dtype input-major weights are stored in; default: the checkpoint's own. */
export type StoreDType = "f32" | "f16" | "bf16";

/** Where calibration data came from (informational; never the evaluation text). */
export interface CalibrationInfo {
  samples: number;
  tokens: number;
  /** e.g. "file:/data/calib.txt" or "generated:dense-model". */
  source?: string;
  /** Greedy TEAL allocation measured block errors on only the first this many samples. */
  greedySamples?: number;
}

export interface TealRecipe {
  method: "teal";
  /** Target average sparsity (fraction of linear-input values zeroed, weighted by the weights they feed). */
  sparsity: number;
  allocation: TealAllocation;
  /** Linear slot path (e.g. "layers.3.mlp.down_proj") -> threshold on |x|: inputs below it are zeroed. */
  thresholds: Record<string, number>;
  /** Linear slot path -> the sparsity its threshold gave on the calibration data. */
  sparsities?: Record<string, number>;
  storeAs?: StoreDType;
  /** Most token rows per call that still run the sparse kernels (see TealLinear). */
  denseAbove?: number;
  calibration?: CalibrationInfo;
}

export interface CatsRecipe {
  method: "cats";
  /** Target fraction of MLP neurons skipped. */
  sparsity: number;
  /** MLP slot path (e.g. "layers.3.mlp") -> threshold on |silu(gate(x))|. */
  thresholds: Record<string, number>;
  sparsities?: Record<string, number>;
  storeAs?: StoreDType;
  denseAbove?: number;
  calibration?: CalibrationInfo;
}

/** Recipes of other methods (DejaVu) pass through parsing with their own fields. */
export interface OtherActivationRecipe {
  method: string;
  [field: string]: unknown;
}

export type ActivationMethodRecipe = TealRecipe | CatsRecipe | OtherActivationRecipe;

/** The recipe file: { "activation": { "method": "teal", ... } }. */
export interface ActivationRecipe {
  activation: ActivationMethodRecipe;
}

/** The safetensors __metadata__ key that carries the activation recipe (a JSON string). */
export const ACTIVATION_METADATA_KEY = "sieve.activation";
