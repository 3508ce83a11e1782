/**
 * llama2.c's tokenizer (tokenizer.bin), encoding and decoding exactly as its run.c does:
 * optional BOS (id 1), a dummy-prefix space before non-empty text, each UTF-8 character looked
 * up in the vocabulary with byte fallback (<0xNN>) for the missing ones, then greedy merges of
 * the adjacent pair whose concatenation has the best score. Decoding drops the leading space of
 * the token right after BOS (the dummy prefix) and turns <0xNN> tokens back into raw bytes.
 *
 * llama2.c's export stores "▁" as a plain space, so pieces here contain real spaces and text
 * needs no escaping.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { byteOfByteToken, bytesToByteString, utf8ByteString } from "./byte-strings.js";
import type { GgufVocabulary } from "./gguf-tokenizer.js";
import { parseLlama2cVocabulary, type Llama2cVocabulary } from "./llama2c-format.js";
import { llama2cGgufVocabulary } from "./llama2c-gguf.js";
import { encodeScoredBpe, type ScoredVocabulary } from "./sentencepiece-bpe.js";
import { decodeTokens, Utf8StreamDecoder, type TokenByteSource } from "./stream-decoder.js";
import { checkTokenId } from "./token-range.js";
import type { EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer } from "./types.js";

const pieceText = new TextDecoder();

/** llama2.c's fixed special ids (run.c hard-codes them). */
export const LLAMA2C_UNK_ID = 0;
export const LLAMA2C_BOS_ID = 1;
export const LLAMA2C_EOS_ID = 2;

export interface Llama2cLoadOptions {
  /** The model's vocab_size: when given, the file must hold exactly that many tokens. */
  vocabSize?: number;
  /** Name used in error messages for fromBuffer (fromFile uses the path). */
  source?: string;
}

export class Llama2cTokenizer implements Tokenizer, TokenByteSource {
  readonly kind = "llama2c";
  readonly bosId = LLAMA2C_BOS_ID;
  readonly eosIds: readonly number[] = [LLAMA2C_EOS_ID];
  readonly hasChatTemplate = false;
  readonly maxTokenLength: number;
  private readonly pieces: Uint8Array[];
  /** Named in errors (the file it came from). */
  private readonly source: string;
  private readonly scored: ScoredVocabulary;
  /** The byte each byte-fallback id stands for (undefined for ordinary pieces). */
  private readonly byteOfId: (number | undefined)[];

  static async fromFile(path: string, options: Omit<Llama2cLoadOptions, "source"> = {}): Promise<Llama2cTokenizer> {
    const file = resolve(path);
    return Llama2cTokenizer.fromBuffer(await readFile(file), { ...options, source: file });
  }

  static fromBuffer(bytes: Uint8Array, options: Llama2cLoadOptions = {}): Llama2cTokenizer {
    const source = options.source ?? "tokenizer.bin buffer";
    return new Llama2cTokenizer(parseLlama2cVocabulary(bytes, source, options.vocabSize), source);
  }

  constructor(vocab: Llama2cVocabulary, source = "llama2.c tokenizer") {
    this.source = source;
    this.maxTokenLength = vocab.maxTokenLength;
    this.pieces = vocab.pieces;
    this.byteOfId = vocab.pieces.map((piece) => byteOfByteToken(bytesToByteString(piece)));
    const pieceIds = new Map<string, number>();
    const byteIds: (number | undefined)[] = new Array(256).fill(undefined);
    vocab.pieces.forEach((piece, id) => {
      const byte = this.byteOfId[id];
      if (byte !== undefined) byteIds[byte] ??= id;
      // Specials never come out of text: run.c's BOS piece is "\n<s>\n", which text must not hit.
      else if (!this.isSpecial(id) && !pieceIds.has(bytesToByteString(piece))) pieceIds.set(bytesToByteString(piece), id);
    });
    // A vocabulary without byte tokens maps unknown bytes to <unk> rather than to arbitrary ids.
    this.scored = { pieceIds, scores: vocab.scores, byteIds, unkId: LLAMA2C_UNK_ID };
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** BOS is on by default (llama2.c always starts a sequence with it); EOS is off. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (options.addBos ?? true) ids.push(LLAMA2C_BOS_ID);
    // run.c adds the dummy-prefix token " " only when there is text; merging " " with the first
    // word is what makes "▁Once"-style pieces.
    if (text.length > 0) {
      for (const id of encodeScoredBpe(" " + utf8ByteString(text), this.scored, "before-merging")) ids.push(id);
    }
    if (options.addEos) ids.push(LLAMA2C_EOS_ID);
    return ids;
  }

  decode(ids: readonly number[], options: StreamDecoderOptions = {}): string {
    return decodeTokens(this, ids, options);
  }

  createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    return new Utf8StreamDecoder(this, options);
  }

  /** The stored piece as text (byte tokens read "<0xNN>"; llama2.c writes "▁" as a space). */
  idToToken(id: number): string {
    checkTokenId(id, this.vocabSize);
    return pieceText.decode(this.pieces[id]);
  }

  /** The merge score of a piece (the higher, the earlier BPE forms it). */
  score(id: number): number {
    checkTokenId(id, this.vocabSize);
    return this.scored.scores[id]!;
  }

  /** The vocabulary as a GGUF "llama" one (what llama.cpp's converter writes), for GGUF export. */
  ggufVocab(): GgufVocabulary {
    return llama2cGgufVocabulary(this.pieces, this.scored.scores as Float32Array, this.source);
  }

  tokenBytes(id: number): Uint8Array {
    checkTokenId(id, this.vocabSize);
    const byte = this.byteOfId[id];
    return byte === undefined ? this.pieces[id]! : Uint8Array.of(byte);
  }

  isSpecial(id: number): boolean {
    return id === LLAMA2C_UNK_ID || id === LLAMA2C_BOS_ID || id === LLAMA2C_EOS_ID;
  }

  /** run.c: `if (prev_token == 1 && piece[0] == ' ') piece++`, before byte tokens are mapped. */
  dropsLeadingSpace(previousId: number | undefined, id: number): boolean {
    return previousId === LLAMA2C_BOS_ID && this.byteOfId[id] === undefined;
  }
}
