/**
 * applyActivationRecipe: swaps a model's slots for the recipe's layers.
 *
 * TEAL, per linear slot named in the recipe:
 *   dense layer                 -> TealLinear (weight transposed to input-major, the dense copy
 *                                  dropped; see releaseFrom for the checkpoint's copy)
 *   TealLinear / thresholded    -> threshold updated in place
 *   any other layer (pruned)    -> ThresholdedLinear wrapping it: the input is thresholded, then
 *                                  the pruned layer runs (exact composition; no rows skipped)
 * CATS, per MLP slot named: SwiGluMlp -> CatsMlp (dense up/down required: apply CATS before
 * weight pruning). The MLP's linear slots then show the layers CatsMlp holds (gate, up, and its
 * input-major down), so byte counts and `sieve inspect` stay true.
 * Other methods (DejaVu) register their own appliers with registerActivationMethod.
 */
import { DenseLinear, type KernelBackend, type LinearLayer, type Tensor, type WeightDType } from "@sieve/core";
import { SwiGluMlp, type LlamaModel, type MlpModule } from "@sieve/model";
import { CatsMlp } from "../cats/cats-mlp.js";
import { TealLinear } from "../teal/teal-linear.js";
import { ThresholdedLinear } from "../teal/thresholded-linear.js";
import type { ActivationMethodRecipe, ActivationRecipe, CatsRecipe, TealRecipe } from "./types.js";

export interface ApplyActivationOptions {
  /** Store transposed weights in this dtype (overrides the recipe's storeAs). */
  storeAs?: WeightDType;
  /** Most rows per call on the sparse kernels (overrides the recipe's denseAbove). */
  denseAbove?: number;
  /**
   * The checkpoint's weight map: entries whose storage a replaced dense layer held are deleted,
   * so that the [out, in] copies can be garbage-collected as each layer is converted (peak memory
   * stays near one model instead of two).
   */
  releaseFrom?: Map<string, Tensor>;
}

export interface ApplyActivationResult {
  method: string;
  /** Slots given a new sparse layer. */
  replaced: string[];
  /** Slots whose non-dense layer was wrapped (TEAL on a pruned layer). */
  wrapped: string[];
  /** Slots whose existing threshold was updated. */
  updated: string[];
}

export type ActivationMethodApplier = (model: LlamaModel, recipe: ActivationMethodRecipe, options: ApplyActivationOptions) => ApplyActivationResult;

const appliers = new Map<string, ActivationMethodApplier>([
  ["teal", (m, r, o) => applyTeal(m, r as TealRecipe, o)],
  ["cats", (m, r, o) => applyCats(m, r as CatsRecipe, o)],
]);

/** Lets another method (DejaVu) plug into applyActivationRecipe. */
export function registerActivationMethod(method: string, apply: ActivationMethodApplier): void {
  appliers.set(method, apply);
}

export function applyActivationRecipe(model: LlamaModel, recipe: ActivationRecipe, options: ApplyActivationOptions = {}): ApplyActivationResult {
  const apply = appliers.get(recipe.activation.method);
  if (!apply) throw new Error(`activation recipe: unknown method "${recipe.activation.method}" (known: ${[...appliers.keys()].join(", ")})`);
  return apply(model, recipe.activation, options);
}

function requireSlot(model: LlamaModel, path: string, kind: "linear" | "mlp"): void {
  if (!model.tree.has(path)) throw new RangeError(`activation recipe: the model has no slot "${path}" (was the recipe calibrated for another model?)`);
  const actual = model.tree.list(kind).some((s) => s.path === path);
  if (!actual) throw new RangeError(`activation recipe: slot "${path}" is not a ${kind} slot`);
}

function applyTeal(model: LlamaModel, recipe: TealRecipe, options: ApplyActivationOptions): ApplyActivationResult {
  const result: ApplyActivationResult = { method: "teal", replaced: [], wrapped: [], updated: [] };
  const backend = (): KernelBackend => model.backend;
  const storeAs = options.storeAs ?? recipe.storeAs;
  const denseAbove = options.denseAbove ?? recipe.denseAbove;
  for (const [path, threshold] of Object.entries(recipe.thresholds)) {
    requireSlot(model, path, "linear");
    const slot = model.tree.get<LinearLayer>(path);
    const layer = slot.get();
    if (layer instanceof TealLinear || layer instanceof ThresholdedLinear) {
      layer.threshold = threshold;
      result.updated.push(path);
    } else if (layer instanceof DenseLinear) {
      slot.set(TealLinear.fromDense(layer, threshold, backend, { storeAs, denseAbove }));
      release(options.releaseFrom, layer.weight);
      result.replaced.push(path);
    } else {
      slot.set(new ThresholdedLinear(layer, threshold));
      result.wrapped.push(path);
    }
  }
  return result;
}

function applyCats(model: LlamaModel, recipe: CatsRecipe, options: ApplyActivationOptions): ApplyActivationResult {
  const result: ApplyActivationResult = { method: "cats", replaced: [], wrapped: [], updated: [] };
  const backend = (): KernelBackend => model.backend;
  for (const [path, threshold] of Object.entries(recipe.thresholds)) {
    requireSlot(model, path, "mlp");
    const slot = model.tree.get<MlpModule>(path);
    const mlp = slot.get();
    if (mlp instanceof CatsMlp) {
      mlp.threshold = threshold;
      result.updated.push(path);
      continue;
    }
    if (!(mlp instanceof SwiGluMlp)) throw new TypeError(`activation recipe: CATS needs a SwiGLU MLP at "${path}", found a "${mlp.kind}" module`);
    const denseDown = mlp.down;
    const cats = CatsMlp.fromSwiGlu(mlp, threshold, backend, { storeAs: options.storeAs ?? recipe.storeAs, denseAbove: options.denseAbove ?? recipe.denseAbove });
    slot.set(cats);
    // The old MLP object still owns the linear slots: point them at what CatsMlp holds.
    model.tree.get<LinearLayer>(`${path}.up_proj`).set(cats.up);
    model.tree.get<LinearLayer>(`${path}.down_proj`).set(cats.down);
    if (denseDown instanceof DenseLinear) release(options.releaseFrom, denseDown.weight);
    result.replaced.push(path);
  }
  return result;
}

/** Deletes the map entries whose storage is exactly `data` (the tensor a dense layer was built on). */
function release(weights: Map<string, Tensor> | undefined, data: ArrayBufferView): void {
  if (!weights) return;
  for (const [name, t] of weights) {
    const d = t.data as ArrayBufferView;
    if (d.buffer === data.buffer && d.byteOffset === data.byteOffset && d.byteLength === data.byteLength) weights.delete(name);
  }
}
