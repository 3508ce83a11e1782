/**
 * Calibration samples sampled from the dense model itself (generateText from BOS): no corpus is
 * needed, and the statistics follow the model's own distribution (as in LLM-QAT's data-free
 * calibration). EOS/BOS do not stop a sample: a llama2.c-style model then starts the next story,
 * exactly as its packed training sequences did, so each sample has its full length.
 */
import type { LlamaModel } from "../arch/llama.js";
import { generateText } from "../generate/generate-text.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { CalibrationSamples } from "./samples.js";
import { checkCounts } from "./text-source.js";

export interface GeneratedCalibrationOptions {
  /** Number of samples N. */
  samples: number;
  /** Tokens per sample L, prompt included (at most the model's context). */
  length: number;
  /** Sample i uses seed + i (default 0). */
  seed?: number;
  /** Sampling temperature (default 1: the model's own distribution). */
  temperature?: number;
  /** Nucleus sampling (default 1: off). */
  topP?: number;
  /** The prompt of every sample (default [BOS] from the config or the tokenizer). */
  promptIds?: readonly number[];
  /** Called after each sample. */
  onProgress?: (done: number, total: number) => void;
}

export async function calibrationFromModel(model: LlamaModel, tokenizer: Tokenizer, options: GeneratedCalibrationOptions): Promise<CalibrationSamples> {
  const { samples, length } = options;
  checkCounts(samples, length);
  if (length > model.config.maxSeqLen) throw new RangeError(`calibrationFromModel: length ${length} exceeds the model's context of ${model.config.maxSeqLen}`);
  const bos = model.config.bosTokenId ?? tokenizer.bosId;
  const prompt = options.promptIds ?? (bos !== undefined ? [bos] : undefined);
  if (!prompt || prompt.length === 0) throw new RangeError("calibrationFromModel: the model has no BOS token; give promptIds");
  if (prompt.length >= length) throw new RangeError(`calibrationFromModel: the prompt (${prompt.length} tokens) leaves no room in samples of ${length}`);
  const out: Int32Array[] = [];
  for (let i = 0; i < samples; i++) {
    const r = await generateText(model, tokenizer, {
      promptIds: prompt,
      maxTokens: length - prompt.length,
      temperature: options.temperature ?? 1,
      topP: options.topP ?? 1,
      seed: (options.seed ?? 0) + i,
      ignoreEos: true,
    });
    out.push(Int32Array.from([...prompt, ...r.tokenIds].slice(0, length)));
    options.onProgress?.(i + 1, samples);
  }
  return out;
}
