// The tokenizers of @sieve/model: llama2.c tokenizer.bin, GGUF-embedded vocabularies, Hugging
// Face tokenizer.json, SentencePiece .model; export of each as a GGUF vocabulary; chat templates;
// streaming detokenization.
export type { ChatMessage, EncodeOptions, StreamDecoder, StreamDecoderOptions, Tokenizer } from "./types.js";
export { TokenizerFormatError } from "./format-error.js";
export { Llama2cTokenizer, LLAMA2C_BOS_ID, LLAMA2C_EOS_ID, LLAMA2C_UNK_ID, type Llama2cLoadOptions } from "./llama2c.js";
export { parseLlama2cVocabulary, type Llama2cVocabulary } from "./llama2c-format.js";
export { tokenizerFromGgufMetadata, readGgufVocabulary, type GgufTokenizerOptions } from "./gguf-vocab.js";
export { GgufTokenizer, GgufTokenType, type GgufVocabulary } from "./gguf-tokenizer.js";
export { GgufLlamaTokenizer, SENTENCEPIECE_SPACE } from "./gguf-llama.js";
export { GgufGpt2Tokenizer } from "./gguf-gpt2.js";
export { SUPPORTED_PRETOKENIZERS } from "./pretokenize-patterns.js";
export { HfTokenizer, type HfTokenizerOptions } from "./hf.js";
export { ggufVocabularyOfTokenizerJson, type HfTokenizerConventions } from "./hf-gguf-vocab.js";
export { llama2cGgufVocabulary } from "./llama2c-gguf.js";
export { parseSentencePieceModel, ggufVocabularyOfSentencePiece, loadSentencePieceModel, type SentencePieceModel } from "./sentencepiece-model.js";
export { readHfTokenizerFiles, type HfTokenizerFiles } from "./hf-files.js";
export { ChatTemplate, encodeChat, hasChatTemplate, type ChatTemplateOptions } from "./chat-template.js";
export { Utf8StreamDecoder, decodeTokens, type TokenByteSource } from "./stream-decoder.js";
