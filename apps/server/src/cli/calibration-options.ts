/**
 * Calibration data for `sieve prune` and `sieve calibrate`: a text file (never the evaluation
 * text), or text the dense model samples itself.
 */
import type { Command } from "commander";
import { calibrationFromModel, calibrationFromTextFile, type CalibrationSamples, type LlamaModel, type Tokenizer } from "@sieve/model";
import { CliUsageError } from "./errors.js";
import { nonNegativeInteger, positiveInteger } from "./option-parsers.js";

export interface CalibrationFlags {
  calib?: string;
  calibGenerate?: number;
  samples: number;
  seqLen: number;
  seed: number;
}

export function withCalibrationOptions(command: Command): Command {
  return command
    .option("--calib <file>", "calibration text file (never the evaluation text)")
    .option("--calib-generate <n>", "calibrate on N samples the dense model generates itself", positiveInteger)
    .option("--samples <n>", "calibration samples (with --calib)", positiveInteger, 32)
    .option("--seq-len <n>", "tokens per calibration sample", positiveInteger, 256)
    .option("--seed <n>", "seed of the sample offsets / generation", nonNegativeInteger, 1);
}

export async function calibrationSamples(model: LlamaModel, tokenizer: Tokenizer, flags: CalibrationFlags): Promise<{ samples: CalibrationSamples; source: string }> {
  if (flags.calib && flags.calibGenerate) throw new CliUsageError("give either --calib or --calib-generate, not both", "--calib");
  const length = Math.min(flags.seqLen, model.config.maxSeqLen);
  if (flags.calib) {
    return { samples: await calibrationFromTextFile(tokenizer, flags.calib, { samples: flags.samples, length, seed: flags.seed }), source: `file:${flags.calib}` };
  }
  const n = flags.calibGenerate ?? flags.samples;
  return { samples: await calibrationFromModel(model, tokenizer, { samples: n, length, seed: flags.seed }), source: "generated:dense-model" };
}
