/**
 * SentencePiece-style BPE encoding, shared by llama2.c's tokenizer.bin and GGUF "llama"
 * vocabularies: text is split into UTF-8 characters, adjacent symbols merge while their
 * concatenation is a vocabulary piece (best score first), and characters the vocabulary lacks
 * fall back to byte tokens <0xNN>. Everything here works on byte strings (see byte-strings.ts).
 */
import { mergePairs } from "./bpe-merge.js";
import { byteTokenText, splitUtf8Chars } from "./byte-strings.js";

export interface ScoredVocabulary {
  /** Byte string of a piece -> its id, for the pieces that text may encode to (normal tokens). */
  readonly pieceIds: ReadonlyMap<string, number>;
  /** Merge score per id: the higher, the earlier the merge that produces it. */
  readonly scores: ArrayLike<number>;
  /** Id of the byte-fallback token <0xNN> for each byte, where the vocabulary has one. */
  readonly byteIds: readonly (number | undefined)[];
  /** Used for a byte that has no fallback token. */
  readonly unkId: number | undefined;
}

/**
 * When characters missing from the vocabulary become bytes:
 * - "before-merging": run.c replaces them by byte tokens up front, so they never merge.
 * - "after-merging": SentencePiece and llama.cpp merge raw characters and only turn the
 *   symbols that remain unknown into bytes at the end.
 * The two agree for every vocabulary SentencePiece trains (a piece's parts are always pieces).
 */
export type ByteFallbackOrder = "before-merging" | "after-merging";

/** Encodes a byte string (already space-escaped and prefixed as the vocabulary wants). */
export function encodeScoredBpe(text: string, vocab: ScoredVocabulary, order: ByteFallbackOrder): number[] {
  const priorityOf = (left: string, right: string): number | undefined => {
    const id = vocab.pieceIds.get(left + right);
    // mergePairs takes the lowest priority first, SentencePiece the highest score.
    return id === undefined ? undefined : -vocab.scores[id]!;
  };
  const ids: number[] = [];
  const emit = (symbols: string[]): void => {
    for (const symbol of mergePairs(symbols, priorityOf)) {
      const id = vocab.pieceIds.get(symbol);
      if (id !== undefined) ids.push(id);
      else pushBytes(symbol, vocab, ids);
    }
  };

  const chars = splitUtf8Chars(text);
  if (order === "after-merging") {
    emit(chars);
    return ids;
  }
  // Unknown characters split the text into runs that cannot merge across them; each run merges
  // on its own, which gives the same result as one merge loop over the whole text.
  let run: string[] = [];
  for (const char of chars) {
    if (vocab.pieceIds.has(char)) {
      run.push(char);
      continue;
    }
    emit(run);
    run = [];
    pushBytes(char, vocab, ids);
  }
  emit(run);
  return ids;
}

function pushBytes(symbol: string, vocab: ScoredVocabulary, ids: number[]): void {
  for (let i = 0; i < symbol.length; i++) {
    const byte = symbol.charCodeAt(i);
    const id = vocab.byteIds[byte] ?? vocab.unkId;
    if (id === undefined) {
      throw new Error(`the vocabulary has neither the byte token ${byteTokenText(byte)} nor an unknown token, so this text cannot be encoded`);
    }
    ids.push(id);
  }
}

