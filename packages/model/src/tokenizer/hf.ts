/**
 * Hugging Face tokenizers (tokenizer.json + tokenizer_config.json) through
 * @huggingface/tokenizers, which implements the normalizers, pre-tokenizers, models and
 * post-processors. This class adds what serving needs on top: BOS/EOS conventions, special-token
 * ids, the chat template, and per-token bytes for streaming (hf-token-bytes.ts).
 */
import { Tokenizer as HfLibraryTokenizer } from "@huggingface/tokenizers";
import { ChatTemplate, type ChatTemplateOptions } from "./chat-template.js";
import { TokenizerFormatError } from "./format-error.js";
import { chatTemplateOfConfig, readHfTokenizerFiles } from "./hf-files.js";
import type { GgufVocabulary } from "./gguf-tokenizer.js";
import { ggufVocabularyOfTokenizerJson } from "./hf-gguf-vocab.js";
import { hfTokenBytesPlan, type HfTokenBytesPlan } from "./hf-token-bytes.js";
import { decodeTokens, Utf8StreamDecoder, type TokenByteSource } from "./stream-decoder.js";
import { checkTokenId } from "./token-range.js";
import { utf8Bytes } from "./byte-strings.js";
import type { ChatMessage, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer } from "./types.js";

export interface HfTokenizerOptions {
  /** Named in error messages (e.g. the directory). */
  source?: string;
  /** Overrides tokenizer_config.json's chat_template (e.g. from chat_template.jinja). */
  chatTemplate?: string;
  /** More ids that end generation (generation_config.json's eos_token_id). */
  extraEosIds?: readonly number[];
  /** The directory the files were read from (fromDirectory sets it): exporters copy its tokenizer files. */
  directory?: string;
}

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
}

export class HfTokenizer implements Tokenizer, TokenByteSource {
  readonly kind = "hf";
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosIds: readonly number[];
  readonly chatTemplate: ChatTemplate | undefined;
  /** Where the files came from, when read from a directory. */
  readonly directory: string | undefined;
  private readonly source: string;
  private readonly library: HfLibraryTokenizer;
  /** Built on first use: the same tokenizer without special added tokens, for parseSpecial: false. */
  private literalLibrary: HfLibraryTokenizer | undefined;
  private readonly addBosByDefault: boolean;
  private readonly addEosByDefault: boolean;
  private readonly specialIds: ReadonlySet<number>;
  /** Added tokens are literal text, never byte-level or "▁"-escaped. */
  private readonly addedContent: ReadonlyMap<number, string>;
  private readonly plan: HfTokenBytesPlan;
  private readonly bytesCache: (Uint8Array | undefined)[] = [];

  static async fromDirectory(dir: string): Promise<HfTokenizer> {
    const files = await readHfTokenizerFiles(dir);
    return new HfTokenizer(files.tokenizerJson, files.tokenizerConfig, {
      source: files.directory,
      chatTemplate: files.chatTemplate,
      extraEosIds: files.generationEosIds,
      directory: files.directory,
    });
  }

  constructor(
    private readonly tokenizerJson: Record<string, unknown>,
    private readonly tokenizerConfig: Record<string, unknown> = {},
    options: HfTokenizerOptions = {},
  ) {
    const source = options.source ?? "tokenizer.json";
    this.source = source;
    this.directory = options.directory;
    try {
      this.library = new HfLibraryTokenizer(tokenizerJson, tokenizerConfig);
    } catch (error) {
      throw new TokenizerFormatError(source, "tokenizer.json", undefined, `@huggingface/tokenizers cannot load it: ${(error as Error).message}`);
    }
    let maxId = -1;
    for (const id of this.library.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const added = (tokenizerJson.added_tokens as AddedTokenJson[] | undefined) ?? [];
    this.addedContent = new Map(added.map((t) => [t.id, t.content]));
    const specialIds = new Set(added.filter((t) => t.special).map((t) => t.id));
    // transformers also treats additional_special_tokens as special when skipping them.
    for (const text of (tokenizerConfig.additional_special_tokens as unknown[] | undefined) ?? []) {
      const id = this.idOfSpecial(text);
      if (id !== undefined) specialIds.add(id);
    }

    // Without a bos_token in tokenizer_config.json, the post-processor may still add one.
    this.bosId = this.idOfSpecial(tokenizerConfig.bos_token) ?? this.bosAddedByPostProcessor();
    const eos = this.idOfSpecial(tokenizerConfig.eos_token);
    this.eosIds = [eos, ...(options.extraEosIds ?? [])].filter(
      (id, i, all): id is number => id !== undefined && all.indexOf(id) === i,
    );
    for (const id of [this.bosId, ...this.eosIds]) if (id !== undefined) specialIds.add(id);
    this.specialIds = specialIds;

    this.addBosByDefault =
      typeof tokenizerConfig.add_bos_token === "boolean"
        ? tokenizerConfig.add_bos_token
        : this.bosId !== undefined && this.bosAddedByPostProcessor() === this.bosId;
    this.addEosByDefault = tokenizerConfig.add_eos_token === true;
    this.plan = hfTokenBytesPlan(tokenizerJson.decoder as { type?: string } | undefined);

    const template = options.chatTemplate ?? chatTemplateOfConfig(tokenizerConfig.chat_template);
    this.chatTemplate = template
      ? new ChatTemplate(template, {
          bosToken: specialText(tokenizerConfig.bos_token) ?? this.textOf(this.bosId),
          eosToken: specialText(tokenizerConfig.eos_token) ?? this.textOf(this.eosIds[0]),
        })
      : undefined;
  }

  get hasChatTemplate(): boolean {
    return this.chatTemplate !== undefined;
  }

  /**
   * BOS follows tokenizer_config.json's add_bos_token, or else whether the tokenizer.json
   * post-processor adds it; the post-processor itself is not run, so BOS and EOS are the only
   * specials added.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const library = (options.parseSpecial ?? true) ? this.library : this.literal();
    const ids = library.encode(text, { add_special_tokens: false }).ids;
    if ((options.addBos ?? this.addBosByDefault) && this.bosId !== undefined) ids.unshift(this.bosId);
    const eos = this.eosIds[0];
    if ((options.addEos ?? this.addEosByDefault) && eos !== undefined) ids.push(eos);
    return ids;
  }

  /**
   * Decodes with the same per-token bytes as streaming, so a stream's chunks always add up to
   * decode(); like vLLM and TGI it applies no clean_up_tokenization_spaces. Tokenizers whose
   * decoder cannot be replayed per token (WordPiece, ...) decode through the library instead.
   */
  decode(ids: readonly number[], options: StreamDecoderOptions = {}): string {
    if (this.plan.exact) return decodeTokens(this, ids, options);
    if (ids.length === 0) return "";
    for (const id of ids) checkTokenId(id, this.vocabSize);
    return this.library.decode([...ids], { skip_special_tokens: options.skipSpecial ?? true, clean_up_tokenization_spaces: false });
  }

  createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    return new Utf8StreamDecoder(this, options);
  }

  idToToken(id: number): string {
    checkTokenId(id, this.vocabSize);
    const token = this.library.id_to_token(id);
    if (token === undefined) throw new RangeError(`token id ${id} has no entry in this vocabulary (a gap in its ids)`);
    return token;
  }

  tokenToId(token: string): number | undefined {
    return this.library.token_to_id(token);
  }

  tokenBytes(id: number): Uint8Array {
    let bytes = this.bytesCache[id];
    if (bytes) return bytes;
    const added = this.addedContent.get(id);
    if (added !== undefined) bytes = utf8Bytes(added);
    else if (this.plan.exact) bytes = this.plan.bytesOf(this.idToToken(id));
    // Approximate for decoders without a per-token form: the token decoded on its own.
    else bytes = utf8Bytes(this.library.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false }));
    this.bytesCache[id] = bytes;
    return bytes;
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /**
   * The library drops one leading space at the start of the decoded text (Metaspace, or Strip
   * after Fuse); with specials skipped, the first text token after a special is that start.
   */
  dropsLeadingSpace(previousId: number | undefined): boolean {
    return this.plan.stripsFirstSpace && (previousId === undefined || this.isSpecial(previousId));
  }

  /**
   * The vocabulary as GGUF stores it (see hf-gguf-vocab.ts); throws a TokenizerFormatError when
   * the tokenizer is of a kind GGUF cannot hold (WordPiece, Unigram, other normalizers).
   */
  ggufVocab(): GgufVocabulary {
    return ggufVocabularyOfTokenizerJson(this.tokenizerJson, {
      bosId: this.bosId,
      eosIds: this.eosIds,
      addBos: this.addBosByDefault,
      addEos: this.addEosByDefault,
      padId: this.idOfSpecial(this.tokenizerConfig.pad_token),
      chatTemplate: this.chatTemplate?.source,
      source: this.source,
    });
  }

  /** The tokenizer.json and tokenizer_config.json objects it was built from (not copies: do not modify). */
  hfFiles(): { tokenizerJson: Record<string, unknown>; tokenizerConfig: Record<string, unknown> } {
    return { tokenizerJson: this.tokenizerJson, tokenizerConfig: this.tokenizerConfig };
  }

  applyChatTemplate(messages: ChatMessage[], options: ChatTemplateOptions = {}): string {
    if (!this.chatTemplate) throw new Error("this tokenizer has no chat template (tokenizer_config.json has no chat_template)");
    return this.chatTemplate.render(messages, options);
  }

  private textOf(id: number | undefined): string | undefined {
    return id === undefined ? undefined : this.library.id_to_token(id);
  }

  private idOfSpecial(value: unknown): number | undefined {
    const text = specialText(value);
    return text === undefined ? undefined : this.library.token_to_id(text);
  }

  /** The special id the post-processor puts before text, if any (what add_special_tokens adds). */
  private bosAddedByPostProcessor(): number | undefined {
    const probe = "a";
    const withSpecials = this.library.encode(probe, { add_special_tokens: true }).ids;
    const without = this.library.encode(probe, { add_special_tokens: false }).ids;
    const first = withSpecials[0];
    return withSpecials.length > without.length && first !== without[0] ? first : undefined;
  }

  private literal(): HfLibraryTokenizer {
    if (!this.literalLibrary) {
      const added = (this.tokenizerJson.added_tokens as AddedTokenJson[] | undefined) ?? [];
      this.literalLibrary = new HfLibraryTokenizer(
        { ...this.tokenizerJson, added_tokens: added.filter((t) => !t.special) },
        this.tokenizerConfig,
      );
    }
    return this.literalLibrary;
  }
}

/** tokenizer_config.json writes special tokens as strings or as {"content": ...} objects. */
function specialText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") {
    return (value as { content: string }).content;
  }
  return undefined;
}
