import { describe, expect, it } from "vitest";
import { GgufLlamaTokenizer } from "./gguf-llama.js";
import { fixturePieces, sentencePieceModelBytes } from "./sentencepiece-fixture.js";
import { ggufVocabularyOfSentencePiece, parseSentencePieceModel } from "./sentencepiece-model.js";

const pieces = fixturePieces();
const id = (piece: string): number => {
  const found = pieces.findIndex((p) => p.piece === piece);
  if (found < 0) throw new Error(`no piece ${piece}`);
  return found;
};
const byteId = (b: number): number => 3 + b;

function tokenizerOf(bytes: Uint8Array): GgufLlamaTokenizer {
  return new GgufLlamaTokenizer(ggufVocabularyOfSentencePiece(parseSentencePieceModel(bytes, "test.model"), "test.model"));
}

describe("SentencePiece .model reader", () => {
  it("reads pieces, scores, types, the trainer's ids and the normalizer's flags", () => {
    const model = parseSentencePieceModel(sentencePieceModelBytes(), "test.model");
    expect(model.pieces).toEqual(pieces.map((p) => p.piece));
    expect([...model.scores]).toEqual(pieces.map((p) => p.score));
    expect([...model.types]).toEqual(pieces.map((p) => p.type));
    expect(model).toMatchObject({ modelType: "bpe", byteFallback: true, unkId: 0, bosId: 1, eosId: 2, padId: undefined, addDummyPrefix: true, removeExtraWhitespaces: false, normalizerName: "identity" });
    expect(parseSentencePieceModel(sentencePieceModelBytes({ padId: 3 }), "x").padId).toBe(3);
  });

  it("encodes by best-scoring merges with the dummy prefix and byte fallback", () => {
    const tok = tokenizerOf(sentencePieceModelBytes());
    // "▁ab c": ▁a (-1) first, then ▁a+b = ▁ab (-3); the second word has no merge.
    expect(tok.encode("ab c")).toEqual([1, id("\u2581ab"), id("\u2581"), id("c")]);
    expect(tok.encode("bc", { addBos: false })).toEqual([id("\u2581"), id("bc")]);
    // "é" is not a piece: its UTF-8 bytes C3 A9.
    expect(tok.encode("é", { addBos: false })).toEqual([id("\u2581"), byteId(0xc3), byteId(0xa9)]);
    expect(tok.decode(tok.encode("ab cé"))).toBe("ab cé");
    const noPrefix = tokenizerOf(sentencePieceModelBytes({ addDummyPrefix: false }));
    expect(noPrefix.encode("ab", { addBos: false })).toEqual([id("ab")]);
  });

  it("has no BOS when the trainer disabled it (bos_id -1)", () => {
    const tok = tokenizerOf(sentencePieceModelBytes({ bosId: -1 }));
    expect(tok.bosId).toBeUndefined();
    expect(tok.encode("a")).toEqual([id("\u2581a")]);
  });

  it("refuses unigram models and malformed bytes, naming the field and the offset", () => {
    const unigram = parseSentencePieceModel(sentencePieceModelBytes({ modelType: 1 }), "u.model");
    expect(() => ggufVocabularyOfSentencePiece(unigram, "u.model")).toThrow(/u\.model: trainer_spec\.model_type: "unigram" models are not supported/);
    const bytes = sentencePieceModelBytes();
    expect(() => parseSentencePieceModel(bytes.subarray(0, 100), "cut.model")).toThrow(/cut\.model: protobuf at byte offset \d+: the message ends inside field 1/);
    expect(() => parseSentencePieceModel(Uint8Array.of(0x0f), "junk.model")).toThrow(/junk\.model: protobuf at byte offset 0: wire type 7/);
    expect(() => parseSentencePieceModel(new Uint8Array(0), "empty.model")).toThrow(/empty\.model: pieces: the model has no pieces/);
  });
});
