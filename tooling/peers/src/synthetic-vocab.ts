import type { GgufVocab } from "@sieve/model";

/**
 * A SentencePiece-style ("llama") vocabulary for synthetic checkpoints, which ship no tokenizer:
 * llama.cpp refuses a GGUF without one. Layout as Llama 2's: <unk>, <s>, </s>, the 256 byte
 * tokens <0x00>..<0xFF>, then filler pieces up to the model's vocab size. The benchmark feeds
 * token ids directly, so the pieces' text never matters; they only have to be distinct.
 */
export function syntheticLlamaVocab(vocabSize: number, bosId = 1, eosId = 2): GgufVocab {
  const BYTE_TOKENS = 256;
  if (vocabSize < 3 + BYTE_TOKENS) throw new RangeError(`a synthetic llama vocabulary needs at least 259 ids, got ${vocabSize}`);
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [2, 3, 3];
  for (let b = 0; b < BYTE_TOKENS; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  while (tokens.length < vocabSize) {
    tokens.push(`\u2581piece${tokens.length}`);
    types.push(1);
  }
  // Higher scores merge first in SentencePiece BPE; any distinct ordering will do here.
  const scores = tokens.map((_, i) => (i < 3 + BYTE_TOKENS ? 0 : -i));
  return { model: "llama", tokens, scores, tokenTypes: types, bosId, eosIds: [eosId], unkId: 0, addBos: true, addEos: false, addSpacePrefix: true };
}
