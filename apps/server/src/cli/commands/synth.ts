import { Option, type Command } from "commander";
import { SYNTH_PRESETS, synthPresetConfig, writeSynthHfDir, type SynthDType } from "@sieve/model";
import { printResult, type CommandContext } from "../context.js";
import { CliUsageError } from "../errors.js";
import { nonNegativeInteger } from "../option-parsers.js";

interface SynthFlags {
  dtype: SynthDType;
  out: string;
  seed: number;
  json?: boolean;
}

export function registerSynth(program: Command, ctx: CommandContext): void {
  program
    .command("synth")
    .description(`write a synthetic Hugging Face checkpoint with a real model's shapes (presets: ${SYNTH_PRESETS.join(", ")})`)
    .argument("<preset>", "shape preset")
    .addOption(new Option("--dtype <dtype>", "weight dtype").choices(["f32", "f16", "bf16"]).default("f32"))
    .requiredOption("-o, --out <dir>", "directory to write (created if missing)")
    .option("--seed <n>", "weights seed", nonNegativeInteger, 0)
    .option("--json", "print exactly one JSON object on stdout")
    .action((preset: string, flags: SynthFlags) => runSynth(ctx, preset, flags));
}

async function runSynth(ctx: CommandContext, preset: string, flags: SynthFlags): Promise<void> {
  if (!(SYNTH_PRESETS as readonly string[]).includes(preset)) {
    throw new CliUsageError(`unknown preset "${preset}" (known: ${SYNTH_PRESETS.join(", ")})`, "preset");
  }
  const start = performance.now();
  const written = await writeSynthHfDir(flags.out, preset, flags.dtype, { seed: flags.seed });
  const config = synthPresetConfig(preset);
  const result = {
    preset,
    dtype: flags.dtype,
    seed: flags.seed,
    dir: written.dir,
    files: written.files,
    bytes: written.totalBytes,
    architecture: config.architecture,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  ctx.log.info(result, "synthetic checkpoint written");
  printResult(ctx, flags.json, result, () => `wrote ${written.dir}: ${written.files.join(", ")} (${(written.totalBytes / 2 ** 20).toFixed(1)} MiB of ${flags.dtype} weights, preset ${preset}, seed ${flags.seed})\n`);
}
