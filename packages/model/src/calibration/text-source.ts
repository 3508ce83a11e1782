/**
 * Calibration samples cut from a text (e.g. a slice of a training corpus): the documents are
 * tokenized, joined into one stream with BOS before each document (as llama2.c-style models were
 * trained), and N windows of L tokens are taken at seeded random offsets — the way the Wanda and
 * SparseGPT reference code slices C4. Never feed it the evaluation text: calibrating on the text
 * you then score inflates the results.
 */
import { readFile } from "node:fs/promises";
import { Rng } from "@sieve/core";
import { splitDocuments, TINYSTORIES_SEPARATOR } from "../eval/documents.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { CalibrationSamples } from "./samples.js";

export interface TextCalibrationOptions {
  /** Number of samples N. */
  samples: number;
  /** Tokens per sample L. */
  length: number;
  /** Seed of the window offsets (default 0). */
  seed?: number;
  /** Put before each document (default the tokenizer's BOS); null for none. */
  bosId?: number | null;
  /** Splits the text into documents (default TinyStories' "<|endoftext|>"). */
  separator?: string;
}

export function calibrationFromText(tokenizer: Tokenizer, text: string, options: TextCalibrationOptions): CalibrationSamples {
  const { samples, length } = options;
  checkCounts(samples, length);
  const bos = options.bosId === undefined ? tokenizer.bosId : options.bosId;
  const stream: number[] = [];
  for (const doc of splitDocuments(text, options.separator ?? TINYSTORIES_SEPARATOR)) {
    if (bos !== undefined && bos !== null) stream.push(bos);
    for (const id of tokenizer.encode(doc, { addBos: false, addEos: false })) stream.push(id);
  }
  if (stream.length < length) {
    throw new RangeError(`calibrationFromText: the text has ${stream.length} tokens, fewer than one sample of ${length}; give more text or shorter samples`);
  }
  const rng = new Rng(options.seed ?? 0);
  const out: Int32Array[] = [];
  for (let i = 0; i < samples; i++) {
    const start = rng.int(stream.length - length + 1);
    out.push(Int32Array.from(stream.slice(start, start + length)));
  }
  return out;
}

/** calibrationFromText on a UTF-8 file. */
export async function calibrationFromTextFile(tokenizer: Tokenizer, path: string, options: TextCalibrationOptions): Promise<CalibrationSamples> {
  return calibrationFromText(tokenizer, await readFile(path, "utf8"), options);
}

export function checkCounts(samples: number, length: number): void {
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`calibration: samples must be a positive integer, got ${samples}`);
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`calibration: length must be a positive integer, got ${length}`);
}
