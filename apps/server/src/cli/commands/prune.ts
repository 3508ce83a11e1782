import { Option, type Command } from "commander";
import { writeHfDirectory, type LoadedCheckpoint } from "@sieve/model";
import { pruneModel, pruneStructured, savePrunedCheckpoint, type PruneMethod, type StructuredPruning } from "@sieve/weight-pruning";
import { calibrationSamples, withCalibrationOptions, type CalibrationFlags } from "../calibration-options.js";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { CliUsageError } from "../errors.js";
import { loadModel, requireTokenizer } from "../load-model.js";
import { unitInterval } from "../option-parsers.js";
import { createProgress } from "../progress.js";
import { withModelOptions } from "./model-options.js";

interface PruneFlags extends ModelFlags, CalibrationFlags {
  method: PruneMethod;
  sparsity?: number;
  pattern?: string;
  structured?: "channels" | "heads" | "blocks";
  ratio?: number;
  allocation: "uniform" | "owl";
  reconstruct?: boolean;
  out: string;
}

export function registerPrune(program: Command, ctx: CommandContext): void {
  withCalibrationOptions(
    withModelOptions(program.command("prune").description("prune a model's weights and write a smaller, faster checkpoint (loads with --model DIR)")),
  )
    .addOption(new Option("--method <method>", "pruning method").choices(["magnitude", "wanda", "sparsegpt"]).default("wanda"))
    .option("--sparsity <s>", "unstructured sparsity, e.g. 0.5", unitInterval)
    .option("--pattern <n:m>", "semi-structured pattern: 2:4 or 4:8")
    .addOption(new Option("--structured <kind>", "structured pruning (physically smaller tensors)").choices(["channels", "heads", "blocks"]))
    .option("--ratio <r>", "with --structured: fraction of channels/heads removed, or the number of blocks", Number)
    .addOption(new Option("--allocation <a>", "per-layer sparsity").choices(["uniform", "owl"]).default("uniform"))
    .option("--reconstruct", "least-squares refit of the kept weights on the calibration inputs")
    .requiredOption("-o, --out <dir>", "directory to write the pruned checkpoint to")
    .action((flags: PruneFlags) => runPrune(ctx, flags));
}

function structuredSpec(flags: PruneFlags): StructuredPruning {
  const ratio = flags.ratio;
  if (ratio === undefined || !(ratio > 0)) throw new CliUsageError("--structured needs --ratio > 0", "--ratio");
  if (flags.structured === "blocks") {
    if (!Number.isInteger(ratio)) throw new CliUsageError("--structured blocks takes --ratio as a whole number of blocks", "--ratio");
    return { kind: "blocks", count: ratio };
  }
  if (ratio >= 1) throw new CliUsageError("--ratio must be below 1 for channels and heads", "--ratio");
  return flags.structured === "channels" ? { kind: "mlp-channels", ratio } : { kind: "attention-heads", ratio };
}

async function runPrune(ctx: CommandContext, flags: PruneFlags): Promise<void> {
  const json = !!flags.json;
  if (!flags.structured && (flags.sparsity === undefined) === (flags.pattern === undefined)) {
    throw new CliUsageError("give exactly one of --sparsity or --pattern (or --structured with --ratio)", "--sparsity");
  }
  const started = performance.now();
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, log: ctx.log, progress: createProgress(ctx.io, json, "loading") });
  // The tokenizer (the checkpoint's, or --tokenizer's) is written into the output directory; taken
  // before calibration, which may fall back to a byte tokenizer that is no model's own.
  const source: LoadedCheckpoint = { ...loaded.checkpoint, tokenizer: loaded.tokenizer };
  const needsCalibration = flags.method !== "magnitude" || flags.reconstruct || flags.allocation === "owl" || !!flags.structured;
  const calibration = needsCalibration ? await calibrationSamples(loaded.model, requireTokenizer(loaded, ctx.log), flags) : undefined;
  const recipe = {
    method: flags.method,
    sparsity: flags.sparsity,
    pattern: flags.pattern,
    structured: flags.structured,
    ratio: flags.ratio,
    allocation: flags.allocation,
    reconstruct: !!flags.reconstruct,
    calibration: calibration?.source,
    source: flags.model,
  };

  if (flags.structured) {
    const result = await pruneStructured(loaded.model, structuredSpec(flags), { calibration: calibration!.samples, reconstruct: !!flags.reconstruct });
    const written = await writeHfDirectory(flags.out, {
      ...source,
      config: result.config,
      weights: result.weights,
      metadata: { ...loaded.checkpoint.metadata, "sieve.recipe": JSON.stringify(recipe) },
    });
    for (const w of written.warnings) ctx.log.warn(w);
    const out = { out: flags.out, recipe, files: written.files, seconds: (performance.now() - started) / 1000 };
    printResult(ctx, json, out, () => `pruned (${flags.structured}, ratio ${flags.ratio}) -> ${flags.out}\n`);
    return;
  }

  const progress = createProgress(ctx.io, json, "pruning");
  const { report, linears } = await pruneModel(loaded.model, {
    method: flags.method,
    sparsity: flags.sparsity,
    pattern: flags.pattern,
    allocation: flags.allocation === "owl" ? "owl" : "uniform",
    calibration: calibration?.samples,
    reconstruct: !!flags.reconstruct,
    onProgress: (e) => progress?.update(e.done, e.total),
  });
  progress?.stop();
  const written = await savePrunedCheckpoint(flags.out, source, linears, { recipe });
  for (const w of written.warnings) ctx.log.warn(w);
  const out = { out: flags.out, recipe, report, written, seconds: (performance.now() - started) / 1000 };
  printResult(ctx, json, out, () => `pruned ${linears.length} linears (${flags.method}, ${flags.pattern ?? `${flags.sparsity}`}) -> ${flags.out}\n`);
}
