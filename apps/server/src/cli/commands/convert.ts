import { Option, type Command } from "commander";
import type { Tensor } from "@sieve/core";
import { writeGguf, writeHfDirectory, type LoadedCheckpoint } from "@sieve/model";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { loadModel } from "../load-model.js";
import { createProgress } from "../progress.js";
import { withModelOptions } from "./model-options.js";

type FloatDType = "f32" | "f16" | "bf16";

interface ConvertFlags extends ModelFlags {
  to: "hf" | "gguf";
  out: string;
  dtype?: FloatDType;
}

export function registerConvert(program: Command, ctx: CommandContext): void {
  withModelOptions(program.command("convert").description("write a model as a Hugging Face directory or a GGUF file (same weights, optionally another dtype)"))
    .addOption(new Option("--to <format>", "output format").choices(["hf", "gguf"]).makeOptionMandatory())
    .requiredOption("-o, --out <path>", "output directory (hf) or file (gguf)")
    .addOption(new Option("--dtype <dtype>", "store the weights in this dtype (default: as loaded)").choices(["f32", "f16", "bf16"]))
    .action((flags: ConvertFlags) => runConvert(ctx, flags));
}

async function runConvert(ctx: CommandContext, flags: ConvertFlags): Promise<void> {
  const json = !!flags.json;
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, recipe: flags.recipe, log: ctx.log, progress: createProgress(ctx.io, json, "loading") });
  // A tokenizer named with --tokenizer travels into the output like the checkpoint's own.
  const checkpoint: LoadedCheckpoint = { ...loaded.checkpoint, tokenizer: loaded.tokenizer };
  const start = performance.now();
  let files: string[];
  let warnings: string[] = [];
  if (flags.to === "hf") {
    const progress = createProgress(ctx.io, json, "writing");
    const written = await writeHfDirectory(flags.out, checkpoint, { dtype: flags.dtype, onProgress: (e) => progress.update(e.done, e.total) });
    progress.stop();
    files = written.files;
    warnings = written.warnings;
  } else {
    await writeGguf(flags.out, withMatrixDtype(checkpoint, flags.dtype));
    files = [flags.out];
    if (!embedsVocabulary(checkpoint)) {
      const what = checkpoint.tokenizer ? `its ${checkpoint.tokenizer.kind} tokenizer cannot be embedded yet` : "the checkpoint has no tokenizer";
      warnings.push(`${what}, so the GGUF has no vocabulary: llama.cpp will not load it, and Sieve will need --tokenizer`);
    }
  }
  for (const w of warnings) ctx.log.warn(w);
  const result = { from: flags.model, to: flags.to, out: flags.out, dtype: flags.dtype ?? null, files, warnings, seconds: Math.round(performance.now() - start) / 1000 };
  printResult(ctx, flags.json, result, () => `wrote ${flags.out} (${flags.to}${flags.dtype ? `, ${flags.dtype}` : ""}): ${files.join(", ")}\n${warnings.map((w) => `warning: ${w}\n`).join("")}`);
}

/** writeGguf embeds the tokenizer's vocabulary when the tokenizer exposes one as `ggufVocab` (its documented contract). */
function embedsVocabulary(checkpoint: LoadedCheckpoint): boolean {
  return (checkpoint.tokenizer as { ggufVocab?: unknown } | undefined)?.ggufVocab !== undefined;
}

/**
 * The checkpoint with its matrices (embedding, projections, LM head) in `dtype`. Vectors (norm
 * weights, biases) stay as they are, as llama.cpp's own converter keeps them in f32.
 */
function withMatrixDtype(checkpoint: LoadedCheckpoint, dtype: FloatDType | undefined): LoadedCheckpoint {
  if (!dtype) return checkpoint;
  const weights = new Map<string, Tensor>();
  for (const [name, t] of checkpoint.weights) {
    const convertible = t.shape.length === 2 && (t.dtype === "f32" || t.dtype === "f16" || t.dtype === "bf16");
    weights.set(name, convertible && t.dtype !== dtype ? t.to(dtype) : t);
  }
  return { ...checkpoint, weights };
}
