/**
 * The tokenizer files of an exported or derived checkpoint (HF export, pruned and calibrated
 * checkpoints), from whatever tokenizer the checkpoint carries, so that the directory loads with
 * no --tokenizer:
 * - a Hugging Face tokenizer read from a directory: its files, copied as they are;
 * - a Hugging Face tokenizer built in memory: its tokenizer.json and tokenizer_config.json;
 * - llama2.c tokenizer.bin, GGUF "llama", SentencePiece .model: a SentencePiece-style
 *   tokenizer.json (hf-tokenizer-export.ts);
 * - GGUF "gpt2": a byte-level tokenizer.json (hf-byte-level-export.ts).
 * A tokenizer with no tokenizer.json form is reported as a warning, never an error.
 */
import { copyFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HfTokenizer } from "../tokenizer/hf.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { buildByteLevelTokenizerConfig, buildByteLevelTokenizerJson } from "./hf-byte-level-export.js";
import { buildTokenizerConfig, buildTokenizerJson } from "./hf-tokenizer-export.js";
import { sentencePieceVocabularyOf } from "./hf-tokenizer-source.js";
import type { LoadedCheckpoint } from "./types.js";

/** Files of the tokenizer a Hugging Face directory carries, copied as they are. */
export const HF_TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "tokenizer.model"];

export interface WrittenTokenizerFiles {
  /** Files written, relative to the directory. */
  files: string[];
  /** Why no tokenizer was written, when none was. */
  warning?: string;
}

/** Writes the tokenizer of `checkpoint` into the directory `out` (which must exist). */
export async function writeHfTokenizerFiles(out: string, checkpoint: LoadedCheckpoint): Promise<WrittenTokenizerFiles> {
  const dir = resolve(out);
  const tok = checkpoint.tokenizer;
  const sourceDir = isHf(tok) ? tok.directory : !tok && checkpoint.format === "hf-dir" ? resolve(checkpoint.source) : undefined;
  if (sourceDir && existsSync(join(sourceDir, "tokenizer.json"))) return { files: await copyTokenizerFiles(sourceDir, dir) };
  if (!tok) return { files: [], warning: `${checkpoint.source} has no tokenizer; none was written (the directory will need --tokenizer)` };
  const built = tokenizerJsonFiles(tok, checkpoint.config.maxSeqLen);
  if (typeof built === "string") return { files: [], warning: `tokenizer not written: ${built}` };
  await writeJson(join(dir, "tokenizer.json"), built.tokenizerJson);
  await writeJson(join(dir, "tokenizer_config.json"), built.tokenizerConfig);
  return { files: ["tokenizer.json", "tokenizer_config.json"] };
}

/** tokenizer.json and tokenizer_config.json for a tokenizer, or why it has none. */
export function tokenizerJsonFiles(tok: Tokenizer, modelMaxLength: number): { tokenizerJson: object; tokenizerConfig: object } | string {
  if (isHf(tok)) return tok.hfFiles();
  if (tok.kind === "gguf-gpt2" && tok.ggufVocab) {
    const vocab = tok.ggufVocab();
    try {
      return { tokenizerJson: buildByteLevelTokenizerJson(vocab), tokenizerConfig: buildByteLevelTokenizerConfig(vocab, modelMaxLength) };
    } catch (error) {
      return (error as Error).message;
    }
  }
  const vocab = sentencePieceVocabularyOf(tok, modelMaxLength);
  if (typeof vocab === "string") return vocab;
  return { tokenizerJson: buildTokenizerJson(vocab), tokenizerConfig: buildTokenizerConfig(vocab) };
}

/** By its surface rather than instanceof, so a tokenizer from another copy of this package counts too. */
function isHf(tok: Tokenizer | undefined): tok is HfTokenizer {
  return tok?.kind === "hf" && typeof (tok as Partial<HfTokenizer>).hfFiles === "function";
}

async function copyTokenizerFiles(sourceDir: string, out: string): Promise<string[]> {
  const copied: string[] = [];
  for (const name of HF_TOKENIZER_FILES) {
    if (!existsSync(join(sourceDir, name))) continue;
    if (resolve(sourceDir) !== out) await copyFile(join(sourceDir, name), join(out, name));
    copied.push(name);
  }
  return copied;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
