import { readFile } from "node:fs/promises";
import type { Tokenizer } from "../tokenizer/types.js";

/** The separator between stories in TinyStories text files. */
export const TINYSTORIES_SEPARATOR = "<|endoftext|>";

/** Splits text into documents on `separator`, trimming each and dropping empty ones. */
export function splitDocuments(text: string, separator: string = TINYSTORIES_SEPARATOR): string[] {
  if (separator.length === 0) throw new RangeError("splitDocuments: the separator is empty");
  return text
    .split(separator)
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
}

/** Reads a UTF-8 text file and splits it into documents (see splitDocuments). */
export async function readDocuments(path: string, separator: string = TINYSTORIES_SEPARATOR): Promise<string[]> {
  return splitDocuments(await readFile(path, "utf8"), separator);
}

/**
 * Encodes each document without BOS or EOS: the evaluation adds BOS per document itself
 * (bos: "per-document"), so that the same token lists serve either convention.
 */
export function tokenizeDocuments(tokenizer: Tokenizer, documents: readonly string[]): number[][] {
  return documents.map((d) => tokenizer.encode(d, { addBos: false, addEos: false }));
}
