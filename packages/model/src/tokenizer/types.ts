import type { GgufVocabulary } from "./gguf-tokenizer.js";

/** A chat message as OpenAI's API and HF chat templates take it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool" | string;
  content: string;
}

/**
 * Turns a stream of token ids into text deltas without ever emitting half of a multi-byte UTF-8
 * character or a partial byte-fallback sequence: bytes are held back until they complete.
 */
export interface StreamDecoder {
  /** Feeds one token; returns the text that is now complete (possibly ""). */
  push(id: number): string;
  /** Returns whatever is still held back (invalid trailing bytes become U+FFFD). */
  flush(): string;
}

export interface EncodeOptions {
  /** Prepend BOS (default: the tokenizer's own convention, e.g. true for llama2.c / SentencePiece). */
  addBos?: boolean;
  /** Append EOS (default: the tokenizer's own convention, which is almost always false). */
  addEos?: boolean;
  /**
   * Recognize the text of special tokens (e.g. "<|im_start|>") in the input as those tokens.
   * Default true, as Hugging Face and llama.cpp's server do, so that rendered chat templates
   * tokenize right; set false for untrusted text that must not inject control tokens.
   * llama2.c's tokenizer has no special-token text and ignores it.
   */
  parseSpecial?: boolean;
}

/** Options of a stream decoder (and of decode, where they make sense). */
export interface StreamDecoderOptions {
  /** Leave out special tokens (BOS, EOS, chat control tokens). Default true. */
  skipSpecial?: boolean;
  /**
   * The token just before the first one that will be pushed (e.g. the last prompt token), so the
   * SentencePiece leading-space rule sees the right context: the first generated token keeps its
   * space after ordinary text but loses the dummy-prefix space right after BOS.
   */
  previousId?: number;
}

/** What every tokenizer (llama2.c, GGUF-embedded, HF tokenizer.json) provides. */
export interface Tokenizer {
  /** e.g. "llama2c", "gguf-llama", "gguf-gpt2", "hf". */
  readonly kind: string;
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosIds: readonly number[];
  encode(text: string, options?: EncodeOptions): number[];
  /**
   * Decodes ids to text; special tokens (BOS/EOS/...) are skipped unless asked for. Equals the
   * concatenated chunks of a stream decoder given the same ids and options.
   */
  decode(ids: readonly number[], options?: StreamDecoderOptions): string;
  /** The vocabulary entry of one id, as stored (for logprobs and debugging). */
  idToToken(id: number): string;
  /**
   * The raw bytes this token contributes to decoded text (byte-fallback and byte-level tokens
   * are single bytes or parts of characters; OpenAI logprobs report these as `bytes`).
   */
  tokenBytes?(id: number): Uint8Array;
  createStreamDecoder(options?: StreamDecoderOptions): StreamDecoder;
  /**
   * The vocabulary as GGUF stores it (tokenizer.ggml.*), for writing into a GGUF file. Every
   * tokenizer of this package has it; it throws a TokenizerFormatError for a tokenizer.json of a
   * kind GGUF cannot hold (see docs/formats/tokenizers.md).
   */
  ggufVocab?(): GgufVocabulary;
  /** Renders a conversation with the model's chat template; throws when the model has none. */
  applyChatTemplate?(messages: ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
  readonly hasChatTemplate: boolean;
}
