import { Option, type Command } from "commander";
import type { Tensor } from "@sieve/core";
import { expectedTensors, writeGguf, writeHfDirectory, type GgufVocab, type LoadedCheckpoint } from "@sieve/model";
import { densifyPackedCheckpoint, readPackedWeights, readRecipe, writePackedCheckpoint } from "@sieve/weight-pruning";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { loadModel } from "../load-model.js";
import { createProgress } from "../progress.js";
import { withModelOptions } from "./model-options.js";

type FloatDType = "f32" | "f16" | "bf16";

interface ConvertFlags extends ModelFlags {
  to: "hf" | "gguf";
  out: string;
  dtype?: FloatDType;
  densify?: boolean;
}

export function registerConvert(program: Command, ctx: CommandContext): void {
  withModelOptions(program.command("convert").description("write a model as a Hugging Face directory or a GGUF file (same weights, optionally another dtype)"))
    .addOption(new Option("--to <format>", "output format").choices(["hf", "gguf"]).makeOptionMandatory())
    .requiredOption("-o, --out <path>", "output directory (hf) or file (gguf)")
    .addOption(new Option("--dtype <dtype>", "store the weights in this dtype (default: as loaded)").choices(["f32", "f16", "bf16"]))
    .option("--densify", "hf: expand a pruned checkpoint's packed weights to dense tensors (default: keep them packed; gguf always densifies)")
    .action((flags: ConvertFlags) => runConvert(ctx, flags));
}

async function runConvert(ctx: CommandContext, flags: ConvertFlags): Promise<void> {
  const json = !!flags.json;
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, recipe: flags.recipe, log: ctx.log, progress: createProgress(ctx.io, json, "loading") });
  // A tokenizer named with --tokenizer travels into the output like the checkpoint's own.
  let checkpoint: LoadedCheckpoint = { ...loaded.checkpoint, tokenizer: loaded.tokenizer };
  const start = performance.now();
  const warnings: string[] = [];
  const packed = readPackedWeights(checkpoint.metadata);
  // GGUF has no sparse layout; an HF directory keeps the packed one unless asked otherwise.
  const densify = packed.size > 0 && (flags.to === "gguf" || !!flags.densify);
  if (densify) {
    checkpoint = densifyPackedCheckpoint(checkpoint).checkpoint;
    const why = flags.to === "gguf" ? "GGUF has no sparse format" : "--densify";
    ctx.log.warn(`${why}: ${packed.size} packed (pruned) weights are written as dense tensors; pruned entries are zeros`);
  }
  let files: string[];
  if (flags.to === "hf" && packed.size > 0 && !densify) {
    // Packed weights are copied as stored (their values keep their dtype); --dtype applies to the dense tensors.
    const written = await writePackedCheckpoint(flags.out, withMatrixDtype(checkpoint, flags.dtype, denseTensorNames(checkpoint)), new Map(), { recipe: readRecipe(checkpoint.metadata) });
    files = written.files;
    warnings.push(...written.warnings);
  } else if (flags.to === "hf") {
    const progress = createProgress(ctx.io, json, "writing");
    const written = await writeHfDirectory(flags.out, checkpoint, { dtype: flags.dtype, onProgress: (e) => progress.update(e.done, e.total) });
    progress.stop();
    files = written.files;
    warnings.push(...written.warnings);
  } else {
    const vocab = ggufVocabOf(checkpoint, warnings);
    await writeGguf(flags.out, withMatrixDtype({ ...checkpoint, tokenizer: undefined }, flags.dtype), { vocab });
    files = [flags.out];
  }
  for (const w of warnings) ctx.log.warn(w);
  const result = {
    from: flags.model,
    to: flags.to,
    out: flags.out,
    dtype: flags.dtype ?? null,
    packed: densify ? "densified" : packed.size > 0 ? "kept" : null,
    files,
    warnings,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  printResult(ctx, flags.json, result, () => `wrote ${flags.out} (${flags.to}${flags.dtype ? `, ${flags.dtype}` : ""}): ${files.join(", ")}\n${warnings.map((w) => `warning: ${w}\n`).join("")}`);
}

/** The vocabulary to embed in the GGUF, or undefined (with a warning) when there is none. */
function ggufVocabOf(checkpoint: LoadedCheckpoint, warnings: string[]): GgufVocab | undefined {
  const tok = checkpoint.tokenizer;
  let why = "the checkpoint has no tokenizer";
  if (tok?.ggufVocab) {
    try {
      return tok.ggufVocab();
    } catch (error) {
      why = `its ${tok.kind} tokenizer has no GGUF form (${(error as Error).message})`;
    }
  } else if (tok) {
    why = `its ${tok.kind} tokenizer cannot be embedded`;
  }
  warnings.push(`${why}, so the GGUF has no vocabulary: llama.cpp will not load it, and Sieve will need --tokenizer`);
  return undefined;
}

/** The architecture's own (dense) tensors present in the checkpoint. */
function denseTensorNames(checkpoint: LoadedCheckpoint): Set<string> {
  return new Set(expectedTensors(checkpoint.config).map((t) => t.name).filter((n) => checkpoint.weights.has(n)));
}

/**
 * The checkpoint with its matrices (embedding, projections, LM head) in `dtype`. Vectors (norm
 * weights, biases) stay as they are, as llama.cpp's own converter keeps them in f32. `only`
 * limits the conversion to those tensors (a packed checkpoint's sparse tensors stay as stored).
 */
function withMatrixDtype(checkpoint: LoadedCheckpoint, dtype: FloatDType | undefined, only?: Set<string>): LoadedCheckpoint {
  if (!dtype) return checkpoint;
  const weights = new Map<string, Tensor>();
  for (const [name, t] of checkpoint.weights) {
    const convertible = t.shape.length === 2 && (t.dtype === "f32" || t.dtype === "f16" || t.dtype === "bf16") && (!only || only.has(name));
    weights.set(name, convertible && t.dtype !== dtype ? t.to(dtype) : t);
  }
  return { ...checkpoint, weights };
}
