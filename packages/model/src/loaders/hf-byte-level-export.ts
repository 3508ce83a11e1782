/**
 * Writes a Hugging Face tokenizer.json for a GGUF "gpt2" (byte-level BPE) vocabulary, in the
 * layout of Llama 3 / Qwen2 tokenizers: a Split pre-tokenizer with the pattern that
 * tokenizer.ggml.pre names followed by ByteLevel (no regex of its own), a BPE model over the
 * byte-level alphabet with the GGUF merges in order, a ByteLevel decoder, and control and
 * user-defined tokens as added tokens (special and not). The pattern is written in the syntax
 * both JavaScript and the Rust library read (contractions spelled in both cases, no inline flags).
 */
import { GgufTokenType, type GgufVocabulary } from "../tokenizer/gguf-tokenizer.js";
import { pretokenizePatternSource } from "../tokenizer/pretokenize-patterns.js";

type Json = Record<string, unknown>;

function addedToken(id: number, content: string, special: boolean): Json {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
}

/** The tokenizer.json object; throws when tokenizer.ggml.pre names a pattern not known here. */
export function buildByteLevelTokenizerJson(v: GgufVocabulary): Json {
  const pattern = pretokenizePatternSource(v.pre);
  if (pattern === undefined) throw new Error(`tokenizer.ggml.pre "${v.pre}" has no known split pattern, so no tokenizer.json can be written`);
  const vocab: Record<string, number> = {};
  v.tokens.forEach((text, id) => {
    // A JSON object cannot hold one key twice; a duplicate keeps its id under a name no text produces.
    vocab[Object.prototype.hasOwnProperty.call(vocab, text) ? `<sieve_duplicate_${id}>` : text] = id;
  });
  const added = v.tokens.flatMap((text, id) => {
    const type = v.tokenTypes[id];
    if (type === GgufTokenType.control || type === GgufTokenType.unknown) return [addedToken(id, text, true)];
    if (type === GgufTokenType.userDefined) return [addedToken(id, text, false)];
    return [];
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [{ type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false }, byteLevel],
    },
    post_processor: { ...byteLevel, use_regex: true },
    decoder: { ...byteLevel, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: v.unkId === undefined ? null : v.tokens[v.unkId],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: v.merges,
    },
  };
}

/** The tokenizer_config.json beside it. */
export function buildByteLevelTokenizerConfig(v: GgufVocabulary, modelMaxLength: number): Json {
  const text = (id: number | undefined) => (id === undefined ? null : v.tokens[id]!);
  const out: Json = {
    tokenizer_class: "PreTrainedTokenizerFast",
    add_bos_token: v.addBos,
    add_eos_token: v.addEos,
    bos_token: text(v.bosId),
    eos_token: text(v.eosIds[0]),
    unk_token: text(v.unkId),
    pad_token: text(v.padId),
    clean_up_tokenization_spaces: false,
    model_max_length: modelMaxLength,
  };
  if (v.chatTemplate) out.chat_template = v.chatTemplate;
  return out;
}
