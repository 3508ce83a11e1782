/**
 * GGUF "llama" vocabularies: SentencePiece BPE with scores, as llama.cpp runs it. Spaces are
 * written "▁", a "▁" dummy prefix starts the text and every stretch of text after a special
 * token (tokenizer.ggml.add_space_prefix), pieces merge by best score, and characters the
 * vocabulary lacks fall back to the byte tokens <0xNN> found by their text.
 */
import { byteOfByteToken, utf8Bytes, utf8ByteString } from "./byte-strings.js";
import { GgufTokenizer, GgufTokenType, type GgufVocabulary } from "./gguf-tokenizer.js";
import { encodeScoredBpe, type ScoredVocabulary } from "./sentencepiece-bpe.js";

/** SentencePiece's stand-in for a space (U+2581 LOWER ONE EIGHTH BLOCK). */
export const SENTENCEPIECE_SPACE = "\u2581";

export class GgufLlamaTokenizer extends GgufTokenizer {
  readonly kind = "gguf-llama";
  private readonly scored: ScoredVocabulary;
  private readonly byteOfId: (number | undefined)[];
  private readonly bytesCache: (Uint8Array | undefined)[] = [];

  constructor(vocab: GgufVocabulary) {
    super(vocab);
    const pieceIds = new Map<string, number>();
    const byteIds: (number | undefined)[] = new Array(256).fill(undefined);
    this.byteOfId = vocab.tokens.map((text, id) =>
      vocab.tokenTypes[id] === GgufTokenType.byte ? byteOfByteToken(text) : undefined,
    );
    vocab.tokens.forEach((text, id) => {
      const byte = this.byteOfId[id];
      if (byte !== undefined) byteIds[byte] ??= id;
      // Only normal tokens come out of BPE; specials are matched by the splitter instead.
      else if (vocab.tokenTypes[id] === GgufTokenType.normal) {
        const key = utf8ByteString(text);
        if (!pieceIds.has(key)) pieceIds.set(key, id);
      }
    });
    this.scored = { pieceIds, scores: vocab.scores, byteIds, unkId: vocab.unkId };
  }

  /** The merge score of a piece (the higher, the earlier BPE forms it). */
  score(id: number): number {
    return this.scored.scores[id] ?? 0;
  }

  protected encodeText(text: string, afterSpecial: boolean): number[] {
    const prefixed = this.vocab.addSpacePrefix && afterSpecial ? " " + text : text;
    const escaped = prefixed.replaceAll(" ", SENTENCEPIECE_SPACE);
    return encodeScoredBpe(utf8ByteString(escaped), this.scored, "after-merging");
  }

  tokenBytes(id: number): Uint8Array {
    let bytes = this.bytesCache[id];
    if (bytes) return bytes;
    const type = this.tokenType(id);
    const text = this.vocab.tokens[id]!;
    const byte = this.byteOfId[id];
    if (byte !== undefined) bytes = Uint8Array.of(byte);
    else if (type === GgufTokenType.normal) bytes = utf8Bytes(text.replaceAll(SENTENCEPIECE_SPACE, " "));
    // Control, user-defined and other tokens read as their text, as llama.cpp prints them.
    else bytes = utf8Bytes(text);
    this.bytesCache[id] = bytes;
    return bytes;
  }

  /** Undoes the prefix encode adds after a special token (BOS included), never from a byte token. */
  dropsLeadingSpace(previousId: number | undefined, id: number): boolean {
    return (
      this.vocab.addSpacePrefix && previousId !== undefined && this.isSplitToken(previousId) && this.byteOfId[id] === undefined
    );
  }
}
