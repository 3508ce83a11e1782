/**
 * A tokenizer from one file or directory, whatever its format (what --tokenizer takes):
 *   DIR or DIR/tokenizer.json   Hugging Face (with tokenizer_config.json and the chat template beside it)
 *   other.json                  a Hugging Face tokenizer.json under another name
 *   *.gguf                      the vocabulary embedded in a GGUF file (only its header is read)
 *   *.model                     a SentencePiece model (protobuf)
 *   *.bin                       a llama2.c tokenizer.bin
 * GGUF files are also recognised by their magic whatever their name.
 */
import { existsSync } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { TokenizerFormatError } from "../tokenizer/format-error.js";
import { tokenizerFromGgufMetadata } from "../tokenizer/gguf-vocab.js";
import { HfTokenizer } from "../tokenizer/hf.js";
import { Llama2cTokenizer } from "../tokenizer/llama2c.js";
import { loadSentencePieceModel } from "../tokenizer/sentencepiece-model.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { readGgufHeader } from "./gguf.js";

export interface TokenizerFileOptions {
  /** The model's vocabulary size: a llama2.c tokenizer.bin must hold exactly that many tokens. */
  vocabSize?: number;
}

export const TOKENIZER_FILE_KINDS = "a tokenizer.json (or its directory), a llama2.c tokenizer .bin, a .gguf with an embedded vocabulary, or a SentencePiece .model";

export async function loadTokenizerFile(path: string, options: TokenizerFileOptions = {}): Promise<Tokenizer> {
  const file = resolve(path);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new TokenizerFormatError(file, "file", undefined, "not found", `Give ${TOKENIZER_FILE_KINDS}`);
  if (info.isDirectory()) return HfTokenizer.fromDirectory(file);
  if (basename(file) === "tokenizer.json") return HfTokenizer.fromDirectory(dirname(file));
  if (file.endsWith(".gguf") || (await isGguf(file))) return ggufTokenizer(file);
  if (file.endsWith(".json")) return jsonTokenizer(file);
  if (file.endsWith(".model")) return loadSentencePieceModel(file);
  if (file.endsWith(".bin")) return Llama2cTokenizer.fromFile(file, { vocabSize: options.vocabSize });
  throw new TokenizerFormatError(file, "file name", undefined, "is not a tokenizer format known by its name", `Give ${TOKENIZER_FILE_KINDS}`);
}

async function isGguf(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.toString("latin1") === "GGUF";
  } finally {
    await handle.close();
  }
}

async function ggufTokenizer(file: string): Promise<Tokenizer> {
  const { values } = await readGgufHeader(file);
  if (values["tokenizer.ggml.model"] === undefined) {
    throw new TokenizerFormatError(file, "tokenizer.ggml.model", undefined, "missing: this GGUF file embeds no tokenizer", "Give the model's own tokenizer file instead");
  }
  return tokenizerFromGgufMetadata(values, { source: file });
}

/** A tokenizer.json saved under another name; tokenizer_config.json is taken from beside it if there. */
async function jsonTokenizer(file: string): Promise<Tokenizer> {
  const read = async (p: string): Promise<Record<string, unknown>> => {
    try {
      return JSON.parse(await readFile(p, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new TokenizerFormatError(p, "JSON", undefined, `cannot be parsed: ${(error as Error).message}`);
    }
  };
  const json = await read(file);
  if (typeof json.model !== "object" || json.model === null) throw new TokenizerFormatError(file, "model", undefined, "missing: this is not a tokenizers-library tokenizer.json");
  const configPath = join(dirname(file), "tokenizer_config.json");
  return new HfTokenizer(json, existsSync(configPath) ? await read(configPath) : {}, { source: file });
}
