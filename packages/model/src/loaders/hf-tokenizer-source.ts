/**
 * Reads a Sieve tokenizer's SentencePiece-style vocabulary (pieces, scores, kinds) through its
 * public surface, for export as tokenizer.json. Works for llama2.c tokenizers and for GGUF
 * "llama" ones that expose score(id). Returns a reason string when the tokenizer cannot be
 * exported this way.
 */
import type { Tokenizer } from "../tokenizer/types.js";
import type { PieceKind, ScoredPiece, SentencePieceVocabulary } from "./hf-tokenizer-export.js";

const SPACE = "\u2581";
const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** The extra methods a scored SentencePiece-style tokenizer offers beyond Tokenizer. */
interface ScoredTokenizer extends Tokenizer {
  score(id: number): number;
  tokenType?(id: number): number;
}

function hasScores(t: Tokenizer): t is ScoredTokenizer {
  return typeof (t as Partial<ScoredTokenizer>).score === "function";
}

/** GGUF / llama.cpp token types (tokenizer.ggml.token_type). */
const GGUF_KIND: Record<number, PieceKind> = { 1: "normal", 2: "unknown", 3: "control", 4: "user", 5: "unused", 6: "byte" };

/** llama2.c's fixed ids and the names SentencePiece gives them (its file stores "\n<s>\n"). */
const LLAMA2C_SPECIALS: Record<number, { text: string; kind: PieceKind }> = {
  0: { text: "<unk>", kind: "unknown" },
  1: { text: "<s>", kind: "control" },
  2: { text: "</s>", kind: "control" },
};

export function sentencePieceVocabularyOf(tok: Tokenizer, modelMaxLength: number): SentencePieceVocabulary | string {
  if (tok.kind !== "llama2c" && tok.kind !== "gguf-llama") return `tokenizer kind "${tok.kind}" is not a SentencePiece-style vocabulary`;
  if (!hasScores(tok)) return `the ${tok.kind} tokenizer does not expose score(id), which the merges are derived from`;
  const pieces: ScoredPiece[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    const stored = tok.idToToken(id);
    const score = tok.score(id);
    if (tok.kind === "llama2c") {
      const special = LLAMA2C_SPECIALS[id];
      if (special) {
        pieces.push({ ...special, score });
        continue;
      }
      // llama2.c pieces are raw bytes; a piece that is not UTF-8 cannot be a JSON vocabulary key.
      const bytes = tok.tokenBytes?.(id);
      if (!BYTE_PIECE.test(stored) && bytes && new TextDecoder().decode(bytes) !== stored) {
        return `piece ${id} is not valid UTF-8`;
      }
      pieces.push({ text: stored.replaceAll(" ", SPACE), score, kind: BYTE_PIECE.test(stored) ? "byte" : "normal" });
    } else {
      const kind = GGUF_KIND[tok.tokenType?.(id) ?? 1] ?? "normal";
      pieces.push({ text: stored, score, kind });
    }
  }
  const unkId = pieces.findIndex((p) => p.kind === "unknown");
  return {
    pieces,
    bosId: tok.bosId,
    eosId: tok.eosIds[0],
    unkId: unkId >= 0 ? unkId : undefined,
    addBos: probeAddsBos(tok),
    addSpacePrefix: probeAddsSpacePrefix(tok),
    modelMaxLength,
    chatTemplate: (tok as { chatTemplate?: { source?: string } }).chatTemplate?.source,
  };
}

/** Whether encode adds BOS by default (GGUF: tokenizer.ggml.add_bos_token), read by trying it. */
function probeAddsBos(tok: Tokenizer): boolean {
  return tok.bosId !== undefined && tok.encode("a")[0] === tok.bosId;
}

/** Whether encode adds the dummy "▁" prefix (GGUF: add_space_prefix), read by trying it. */
function probeAddsSpacePrefix(tok: Tokenizer): boolean {
  const ids = tok.encode("a", { addBos: false, addEos: false });
  const first = ids[0] === undefined ? "" : tok.idToToken(ids[0]);
  return first.startsWith(SPACE) || first.startsWith(" ");
}
