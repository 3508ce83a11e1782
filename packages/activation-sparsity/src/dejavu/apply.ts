/**
 * applyDejaVu: swaps every block's attention and MLP slot for its DejaVu counterpart, all sharing
 * one runtime (options, lookahead board, statistics). restore() puts the original modules back.
 */
import { PagedAttention, SwiGluMlp, type AttentionModule, type LlamaModel, type MlpModule } from "@sieve/model";
import { activationKernelsFor, type ActivationKernels } from "../kernels/activation-kernels.js";
import { DejaVuAttention } from "./dejavu-attention.js";
import { DejaVuMlp } from "./dejavu-mlp.js";
import { nativeHeadKernel, typescriptHeadKernel, type HeadKernel } from "./head-kernels.js";
import { nativeMlpKernel, typescriptMlpKernel, type MlpKernel } from "./mlp-kernels.js";
import { checkPredictorsFit, type DejaVuPredictors } from "./predictors.js";
import { DejaVuRuntime, type DejaVuOptions, type DejaVuStats } from "./runtime.js";

export interface DejaVuHandle {
  readonly runtime: DejaVuRuntime;
  readonly stats: DejaVuStats;
  /** The kernels the sparse modules run ("dense" for a kind kept at budget 1). */
  readonly kernels: { mlp: string; heads: string };
  /** Bytes of weight copies DejaVu holds (input-major W_down^T and W_o^T, widened half-precision weights). */
  readonly extraBytes: number;
  /** One line: budgets, policy, kernels. */
  describe(): string;
  /** Puts the dense modules back. */
  restore(): void;
}

/** The handle of the DejaVu currently applied to each model (for metrics and `sieve inspect`). */
const applied = new WeakMap<LlamaModel, DejaVuHandle>();

/** The DejaVu applied to `model`, if any (undefined once restored). */
export function dejavuHandleOf(model: LlamaModel): DejaVuHandle | undefined {
  return applied.get(model);
}

export function applyDejaVu(model: LlamaModel, predictors: DejaVuPredictors, options: DejaVuOptions = {}): DejaVuHandle {
  checkPredictorsFit(model, predictors);
  const runtime = new DejaVuRuntime(predictors, options);
  const kind = options.kernel ?? "auto";
  if (kind !== "auto" && kind !== "typescript") throw new RangeError(`applyDejaVu: kernel must be "auto" or "typescript", got ${JSON.stringify(kind)}`);
  const available = kind === "auto" ? activationKernelsFor(model.backend) : undefined;
  const native: ActivationKernels | undefined = available?.name === "native" ? available : undefined;
  const restores: Array<() => void> = [];
  let extraBytes = 0;
  const names = { mlp: "dense", heads: "dense" };

  for (let block = 0; block < model.layers.length; block++) {
    const attnSlot = model.tree.get<AttentionModule>(`layers.${block}.self_attn`);
    const mlpSlot = model.tree.get<MlpModule>(`layers.${block}.mlp`);
    const attn = attnSlot.get();
    const mlp = mlpSlot.get();
    if (!(attn instanceof PagedAttention)) throw new TypeError(`applyDejaVu: layers.${block}.self_attn holds a "${attn.kind}" module; DejaVu replaces the dense PagedAttention (apply it first)`);
    if (!(mlp instanceof SwiGluMlp)) throw new TypeError(`applyDejaVu: layers.${block}.mlp holds a "${mlp.kind}" module; DejaVu replaces the dense SwiGluMlp (apply it first)`);

    // Weights are laid out only for what will run sparse.
    let mlpKernel: MlpKernel | null = null;
    if (runtime.mlpSparse) {
      mlpKernel = native ? nativeMlpKernel(mlp, native) : typescriptMlpKernel(mlp);
      extraBytes += mlpKernel.extraBytes;
      names.mlp = mlpKernel.name;
    }
    let headKernel: HeadKernel | null = null;
    if (runtime.headsSparse) {
      headKernel = native ? nativeHeadKernel(attn, native) : typescriptHeadKernel(attn);
      extraBytes += headKernel.extraBytes;
      names.heads = headKernel.name;
    }

    attnSlot.set(new DejaVuAttention(block, attn, headKernel, runtime));
    mlpSlot.set(new DejaVuMlp(block, mlp, mlpKernel, runtime));
    restores.push(() => {
      attnSlot.set(attn);
      mlpSlot.set(mlp);
    });
  }

  const handle: DejaVuHandle = {
    runtime,
    stats: runtime.stats,
    kernels: names,
    extraBytes,
    describe: () =>
      `dejavu: mlpBudget ${runtime.mlpBudget}, headBudget ${runtime.headBudget}, ${runtime.batchPolicy}` +
      (runtime.batchPolicy === "union" ? ` (dense above ${runtime.denseAboveRows} rows)` : "") +
      `, lookahead 1 block, kernels mlp=${names.mlp} heads=${names.heads}`,
    restore: () => {
      for (const r of restores) r();
      restores.length = 0;
      if (applied.get(model) === handle) applied.delete(model);
    },
  };
  applied.set(model, handle);
  return handle;
}
