import { join } from "node:path";
import { Option, type Command } from "commander";
import {
  DEJAVU_FILE_NAME,
  calibrateCats,
  calibrateTeal,
  dejavuRecipe,
  saveDejaVuPredictors,
  trainDejaVu,
  writeActivationCheckpoint,
  type ActivationRecipe,
} from "@sieve/activation-sparsity";
import type { LoadedCheckpoint } from "@sieve/model";
import { calibrationSamples, withCalibrationOptions, type CalibrationFlags } from "../calibration-options.js";
import { calibrationFraction, type CalibrationEvent } from "../calibration-progress.js";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { CliUsageError } from "../errors.js";
import { loadModel, requireTokenizer } from "../load-model.js";
import { createProgress, type Progress } from "../progress.js";
import { positiveInteger, unitInterval } from "../option-parsers.js";
import { withModelOptions } from "./model-options.js";

type Method = "teal" | "cats" | "dejavu";

interface CalibrateFlags extends ModelFlags, CalibrationFlags {
  sparsity: number;
  allocation: "uniform" | "greedy";
  greedySamples?: number;
  headBudget?: number;
  out: string;
}

export function registerCalibrate(program: Command, ctx: CommandContext): void {
  withCalibrationOptions(
    withModelOptions(
      program
        .command("calibrate")
        .description("calibrate activation sparsity (TEAL thresholds, CATS thresholds, DejaVu predictors) and write a checkpoint that carries it")
        .argument("<method>", "teal | cats | dejavu"),
    ),
  )
    .requiredOption("--sparsity <s>", "target sparsity (TEAL/CATS: fraction zeroed; DejaVu: fraction of MLP neurons skipped)", unitInterval)
    .addOption(new Option("--allocation <a>", "TEAL: per-tensor sparsity allocation").choices(["uniform", "greedy"]).default("uniform"))
    .option(
      "--greedy-samples <n>",
      "TEAL greedy: measure block errors on the first N calibration samples only (default all; the greedy search runs ~4 block passes per 0.05 step over them, so on a 1B model use a few)",
      positiveInteger,
    )
    .option("--head-budget <b>", "DejaVu: fraction of attention heads kept (default 1: no head sparsity)", unitInterval)
    .requiredOption("-o, --out <dir>", "directory to write (the model plus the technique's state)")
    .action((method: string, flags: CalibrateFlags) => runCalibrate(ctx, method, flags));
}

async function runCalibrate(ctx: CommandContext, method: string, flags: CalibrateFlags): Promise<void> {
  if (method !== "teal" && method !== "cats" && method !== "dejavu") throw new CliUsageError(`unknown method "${method}" (teal, cats, dejavu)`, "method");
  if (flags.greedySamples !== undefined && !(method === "teal" && flags.allocation === "greedy")) {
    throw new CliUsageError("--greedy-samples applies only to `calibrate teal --allocation greedy`", "greedy-samples");
  }
  const json = !!flags.json;
  const started = performance.now();
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, log: ctx.log, progress: createProgress(ctx.io, json, "loading") });
  // The tokenizer (the checkpoint's, or --tokenizer's) is written into the output directory; taken
  // before calibration, which may fall back to a byte tokenizer that is no model's own.
  const source: LoadedCheckpoint = { ...loaded.checkpoint, tokenizer: loaded.tokenizer };
  const calibration = await calibrationSamples(loaded.model, requireTokenizer(loaded, ctx.log), flags);
  const progress = createProgress(ctx.io, json, `calibrating ${method}`, { counts: false });
  const recipe = await calibrateRecipe(method, loaded.model, calibration.samples, calibration.source, flags, progress);
  progress.stop();
  const written = await writeActivationCheckpoint(flags.out, source, recipe);
  for (const w of written.warnings) ctx.log.warn(w);
  const out = { method, out: flags.out, recipe, files: written.files, seconds: (performance.now() - started) / 1000 };
  printResult(ctx, json, out, () => `calibrated ${method} at sparsity ${flags.sparsity} -> ${flags.out} (load it with --model ${flags.out})\n`);
}

async function calibrateRecipe(
  method: Method,
  model: Parameters<typeof calibrateTeal>[0],
  samples: Parameters<typeof calibrateTeal>[1],
  source: string,
  flags: CalibrateFlags,
  progress: Progress,
): Promise<ActivationRecipe> {
  const layers = model.config.nLayers;
  const onProgress = (greedy: boolean) => (e: CalibrationEvent) => progress.update(Math.round(1000 * calibrationFraction(e, layers, greedy)), 1000);
  if (method === "teal") {
    const greedy = flags.allocation === "greedy";
    const options = { sparsity: flags.sparsity, allocation: flags.allocation, greedySamples: flags.greedySamples, source, onProgress: onProgress(greedy) };
    return { activation: await calibrateTeal(model, samples, options) };
  }
  if (method === "cats") return { activation: await calibrateCats(model, samples, { sparsity: flags.sparsity, source, onProgress: onProgress(false) }) };
  // DejaVu keeps (1 - sparsity) of the MLP neurons; predictors live next to the checkpoint.
  const mlpBudget = 1 - flags.sparsity;
  const headBudget = flags.headBudget ?? 1;
  const { predictors } = await trainDejaVu(model, samples, { mlpBudget, headBudget });
  await saveDejaVuPredictors(join(flags.out, DEJAVU_FILE_NAME), predictors);
  return dejavuRecipe({ predictors: DEJAVU_FILE_NAME, mlpBudget, headBudget });
}
