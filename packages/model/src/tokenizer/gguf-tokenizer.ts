/**
 * What the two GGUF-embedded tokenizers (SentencePiece-style "llama" and byte-level "gpt2")
 * share: the vocabulary as GGUF stores it, token types, special-token splitting of the input,
 * BOS/EOS handling, the chat template and decoding. Subclasses supply the BPE of plain text and
 * the bytes of a token.
 */
import { ChatTemplate, type ChatTemplateOptions } from "./chat-template.js";
import { SpecialTokenSplitter } from "./special-splitter.js";
import { decodeTokens, Utf8StreamDecoder, type TokenByteSource } from "./stream-decoder.js";
import { checkTokenId } from "./token-range.js";
import type { ChatMessage, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer } from "./types.js";

/** tokenizer.ggml.token_type values (llama.cpp's llama_token_type). */
export const GgufTokenType = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;

/** A GGUF tokenizer's metadata, read and checked (see gguf-vocab.ts). */
export interface GgufVocabulary {
  /** tokenizer.ggml.model */
  model: "llama" | "gpt2";
  /** tokenizer.ggml.pre (byte-level only; "default" when absent). */
  pre: string;
  tokens: string[];
  /** Per-token merge scores ("llama"); zeros when absent. */
  scores: Float32Array;
  /** Per-token GgufTokenType values; all normal when absent. */
  tokenTypes: Uint8Array;
  /** "left right" pairs in merge order ("gpt2"). */
  merges: string[];
  bosId: number | undefined;
  /** EOS first, then end-of-turn / end-of-message ids where the metadata names them. */
  eosIds: number[];
  unkId: number | undefined;
  /** tokenizer.ggml.padding_token_id, where the metadata names one. */
  padId?: number;
  addBos: boolean;
  addEos: boolean;
  /** SentencePiece's dummy-prefix space (tokenizer.ggml.add_space_prefix, default true). */
  addSpacePrefix: boolean;
  chatTemplate: string | undefined;
}

export abstract class GgufTokenizer implements Tokenizer, TokenByteSource {
  abstract readonly kind: string;
  readonly bosId: number | undefined;
  readonly eosIds: readonly number[];
  readonly chatTemplate: ChatTemplate | undefined;
  /** Control and unknown tokens (only with parseSpecial) plus user-defined ones (always), as llama.cpp splits. */
  private readonly withSpecials: SpecialTokenSplitter;
  private readonly userDefinedOnly: SpecialTokenSplitter;

  constructor(protected readonly vocab: GgufVocabulary) {
    this.bosId = vocab.bosId;
    this.eosIds = vocab.eosIds;
    const ofTypes = (...types: number[]) =>
      vocab.tokens.flatMap((text, id) => (types.includes(vocab.tokenTypes[id]!) ? [{ text, id }] : []));
    this.withSpecials = new SpecialTokenSplitter(ofTypes(GgufTokenType.control, GgufTokenType.unknown, GgufTokenType.userDefined));
    this.userDefinedOnly = new SpecialTokenSplitter(ofTypes(GgufTokenType.userDefined));
    const textOf = (id: number | undefined) => (id === undefined ? undefined : vocab.tokens[id]);
    this.chatTemplate = vocab.chatTemplate
      ? new ChatTemplate(vocab.chatTemplate, { bosToken: textOf(vocab.bosId), eosToken: textOf(vocab.eosIds[0]) })
      : undefined;
  }

  get vocabSize(): number {
    return this.vocab.tokens.length;
  }

  /** The vocabulary as GGUF stores it (a copy), for writing it into another GGUF file. */
  ggufVocab(): GgufVocabulary {
    const v = this.vocab;
    return { ...v, tokens: [...v.tokens], scores: v.scores.slice(), tokenTypes: v.tokenTypes.slice(), merges: [...v.merges], eosIds: [...v.eosIds] };
  }

  get hasChatTemplate(): boolean {
    return this.chatTemplate !== undefined;
  }

  /** BOS and EOS follow tokenizer.ggml.add_bos_token / add_eos_token unless the options say otherwise. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const bos = this.vocab.bosId;
    if ((options.addBos ?? this.vocab.addBos) && bos !== undefined) ids.push(bos);
    const splitter = (options.parseSpecial ?? true) ? this.withSpecials : this.userDefinedOnly;
    // Text at the start, or right after a special token, is where SentencePiece adds its prefix.
    let afterSpecial = true;
    for (const fragment of splitter.split(text)) {
      if ("id" in fragment) {
        ids.push(fragment.id);
        afterSpecial = true;
      } else {
        for (const id of this.encodeText(fragment.text, afterSpecial)) ids.push(id);
        afterSpecial = false;
      }
    }
    const eos = this.vocab.eosIds[0];
    if ((options.addEos ?? this.vocab.addEos) && eos !== undefined) ids.push(eos);
    return ids;
  }

  /** BPE of text that holds no special token. */
  protected abstract encodeText(text: string, afterSpecial: boolean): number[];

  abstract tokenBytes(id: number): Uint8Array;

  abstract dropsLeadingSpace(previousId: number | undefined, id: number): boolean;

  decode(ids: readonly number[], options: StreamDecoderOptions = {}): string {
    return decodeTokens(this, ids, options);
  }

  createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    return new Utf8StreamDecoder(this, options);
  }

  idToToken(id: number): string {
    checkTokenId(id, this.vocabSize);
    return this.vocab.tokens[id]!;
  }

  tokenType(id: number): number {
    checkTokenId(id, this.vocabSize);
    return this.vocab.tokenTypes[id]!;
  }

  /** Control, unknown and unused tokens; user-defined tokens are text and stay in the output. */
  isSpecial(id: number): boolean {
    const type = this.tokenType(id);
    return type === GgufTokenType.control || type === GgufTokenType.unknown || type === GgufTokenType.unused;
  }

  /** A token the input splitter can produce on its own (a special in llama.cpp's sense). */
  protected isSplitToken(id: number): boolean {
    const type = this.tokenType(id);
    return type === GgufTokenType.control || type === GgufTokenType.unknown || type === GgufTokenType.userDefined;
  }

  applyChatTemplate(messages: ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (!this.chatTemplate) throw new Error("this GGUF file has no tokenizer.chat_template");
    return this.chatTemplate.render(messages, options);
  }
}
