/**
 * applyActivationRecipe: swaps a model's slots for the recipe's layers.
 *
 * TEAL, per linear slot named in the recipe:
 *   dense layer                 -> TealLinear (weight transposed to input-major, the dense copy
 *                                  dropped; see releaseFrom for the checkpoint's copy)
 *   TealLinear / thresholded    -> threshold updated in place
 *   then the TealLinears of one input (q/k/v, gate/up) are fused into one kernel call each
 *   (TealLinear.fuse; options.fuseSharedInputs)
 *   any other layer (pruned)    -> ThresholdedLinear wrapping it: the input is thresholded, then
 *                                  the pruned layer runs (exact composition; no rows skipped)
 * CATS, per MLP slot named: SwiGluMlp -> CatsMlp (dense up/down required: apply CATS before
 * weight pruning). The MLP's linear slots then show the layers CatsMlp holds (gate, up, and its
 * input-major down), so byte counts and `sieve inspect` stay true.
 * Other methods (DejaVu) register their own appliers with registerActivationMethod.
 */
import { DenseLinear, type KernelBackend, type LinearLayer, type Tensor, type WeightDType } from "@sieve/core";
import { SwiGluMlp, linearInputGroups, type LlamaModel, type MlpModule } from "@sieve/model";
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
  /**
   * TEAL: put the linears that read one input and share its threshold (a block's q/k/v, its
   * gate/up) into one kernel call each (TealLinear.fuse). Default true; false keeps one call per
   * linear (for comparisons).
   */
  fuseSharedInputs?: boolean;
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
  const fuse = options.fuseSharedInputs ?? true;
  checkFusedThresholds(model, recipe);
  const done = new Set<string>();
  if (fuse) {
    // Dense layers of one input with one threshold: straight into a fused TEAL weight.
    for (const paths of inputGroups(model)) {
      const layers = paths.map((p) => model.tree.get<LinearLayer>(p).get());
      const t = recipe.thresholds[paths[0]!];
      if (paths.length < 2 || t === undefined || !paths.every((p) => recipe.thresholds[p] === t)) continue;
      if (!layers.every((l): l is DenseLinear => l instanceof DenseLinear)) continue;
      if (!layers.every((l) => l.dtype === layers[0]!.dtype && l.inFeatures === layers[0]!.inFeatures)) continue;
      TealLinear.fromDenseGroup(layers, t, backend, { storeAs, denseAbove }).forEach((fused, i) => {
        model.tree.get<LinearLayer>(paths[i]!).set(fused);
        release(options.releaseFrom, layers[i]!.weight);
        result.replaced.push(paths[i]!);
        done.add(paths[i]!);
      });
    }
  }
  for (const [path, threshold] of Object.entries(recipe.thresholds)) {
    if (done.has(path)) continue;
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
  // TEAL layers that were converted one by one earlier (fuseSharedInputs: false): fused now.
  if (fuse) fuseSharedInputs(model);
  return result;
}

/** The linear slot paths of each block that read one input (q/k/v, o, gate/up, down). */
function inputGroups(model: LlamaModel): string[][] {
  return model.layers.flatMap((_, layer) => linearInputGroups(model, layer));
}

/**
 * Fuses every group of unfused TEAL linears that read one input and share a threshold, kind and
 * dtype (TealLinear.fuse); groups with any other layer in them stay as they are.
 */
function fuseSharedInputs(model: LlamaModel): void {
  for (const paths of inputGroups(model)) {
    if (paths.length < 2) continue;
    const layers = paths.map((p) => model.tree.get<LinearLayer>(p).get());
    if (!layers.every((l): l is TealLinear => l instanceof TealLinear && l.fusedWith === 1)) continue;
    const first = layers[0]!;
    if (!layers.every((l) => l.threshold === first.threshold && l.kind === first.kind && l.dtype === first.dtype && l.inFeatures === first.inFeatures)) continue;
    TealLinear.fuse(layers).forEach((fused, i) => model.tree.get<LinearLayer>(paths[i]!).set(fused));
  }
}

/** Fused linears share one threshold: a recipe must not give the members of a fused group different ones. */
function checkFusedThresholds(model: LlamaModel, recipe: TealRecipe): void {
  for (const paths of inputGroups(model)) {
    const fused = paths.filter((p) => {
      const l = model.tree.get<LinearLayer>(p).get();
      return l instanceof TealLinear && l.fusedWith > 1;
    });
    const given = fused.filter((p) => p in recipe.thresholds).map((p) => [p, recipe.thresholds[p]!] as const);
    if (given.some(([, t]) => t !== given[0]![1])) {
      throw new RangeError(
        `activation recipe: ${fused.join(", ")} read one input and run as one fused TEAL kernel, so they share one threshold; the recipe gives ${given.map(([p, t]) => `${p}=${t}`).join(", ")}`,
      );
    }
  }
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
