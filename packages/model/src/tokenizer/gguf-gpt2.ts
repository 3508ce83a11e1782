/**
 * GGUF "gpt2" vocabularies: byte-level BPE (GPT-2, Llama 3, Qwen2, ...). Text is split by the
 * pre-tokenizer pattern named in tokenizer.ggml.pre, each piece's UTF-8 bytes are spelled in the
 * byte-level alphabet, and pairs merge in the order of tokenizer.ggml.merges.
 */
import { mergePairs } from "./bpe-merge.js";
import { fromByteLevel, toByteLevel } from "./byte-level.js";
import { utf8Bytes } from "./byte-strings.js";
import { GgufTokenizer, GgufTokenType, type GgufVocabulary } from "./gguf-tokenizer.js";
import { pretokenize } from "./pretokenize-patterns.js";

/** Pre-tokens repeat a lot (" the", " and"); a bounded cache saves most of the merging. */
const WORD_CACHE_LIMIT = 20_000;

export class GgufGpt2Tokenizer extends GgufTokenizer {
  readonly kind = "gguf-gpt2";
  private readonly ranks: ReadonlyMap<string, number>;
  private readonly tokenIds: ReadonlyMap<string, number>;
  private readonly wordCache = new Map<string, number[]>();
  private readonly bytesCache: (Uint8Array | undefined)[] = [];

  constructor(
    vocab: GgufVocabulary,
    /** The split pattern for vocab.pre (see pretokenize-patterns.ts). */
    private readonly pattern: RegExp,
  ) {
    super(vocab);
    this.ranks = new Map(vocab.merges.map((merge, rank) => [merge, rank]));
    const tokenIds = new Map<string, number>();
    vocab.tokens.forEach((text, id) => {
      if (!tokenIds.has(text)) tokenIds.set(text, id);
    });
    this.tokenIds = tokenIds;
  }

  protected encodeText(text: string): number[] {
    const ids: number[] = [];
    for (const word of pretokenize(text, this.pattern)) {
      for (const id of this.encodeWord(word)) ids.push(id);
    }
    return ids;
  }

  private encodeWord(word: string): number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const symbols = [...toByteLevel(word)];
    // Merges are stored as "left right"; byte-level symbols never contain a plain space.
    const merged = mergePairs(symbols, (left, right) => this.ranks.get(`${left} ${right}`));
    const ids = merged.flatMap((symbol) => this.idsOfSymbol(symbol));
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(word, ids);
    return ids;
  }

  /** A merged symbol is normally a token; if not (a gap in the merges), fall back per character. */
  private idsOfSymbol(symbol: string): number[] {
    const id = this.tokenIds.get(symbol);
    if (id !== undefined) return [id];
    return [...symbol].map((char) => {
      const charId = this.tokenIds.get(char) ?? this.vocab.unkId;
      if (charId === undefined) {
        throw new Error(`the byte-level vocabulary has no token for ${JSON.stringify(char)} and no unknown token`);
      }
      return charId;
    });
  }

  tokenBytes(id: number): Uint8Array {
    let bytes = this.bytesCache[id];
    if (bytes) return bytes;
    const text = this.vocab.tokens[id]!;
    // Only normal tokens are spelled in the byte-level alphabet; specials are literal text.
    bytes = this.tokenType(id) === GgufTokenType.normal ? fromByteLevel(text) : utf8Bytes(text);
    this.bytesCache[id] = bytes;
    return bytes;
  }

  dropsLeadingSpace(): boolean {
    return false;
  }
}
