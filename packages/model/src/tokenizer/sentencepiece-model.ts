/**
 * Reader of SentencePiece's tokenizer.model (a ModelProto protobuf, sentencepiece_model.proto):
 * the pieces with their scores and types, the trainer's special ids and the normalizer's dummy
 * prefix. A BPE model becomes the same vocabulary a GGUF "llama" tokenizer holds (llama.cpp's
 * converter maps it the same way: piece types are llama.cpp's token types), so it encodes with
 * GgufLlamaTokenizer.
 *
 * Fields read (others are skipped):
 *   ModelProto      1 pieces (repeated SentencePiece), 2 trainer_spec, 3 normalizer_spec
 *   SentencePiece   1 piece (string), 2 score (float), 3 type (enum, default NORMAL = 1)
 *   TrainerSpec     3 model_type (UNIGRAM 1 default, BPE 2, WORD 3, CHAR 4), 35 byte_fallback,
 *                   40 unk_id (default 0), 41 bos_id (1), 42 eos_id (2), 43 pad_id (-1)
 *   NormalizerSpec  1 name, 3 add_dummy_prefix (default true), 4 remove_extra_whitespaces (true)
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { TokenizerFormatError } from "./format-error.js";
import { GgufLlamaTokenizer } from "./gguf-llama.js";
import type { GgufVocabulary } from "./gguf-tokenizer.js";
import { nestedBase, ProtobufError, protobufFields, WireType, type ProtobufField } from "./protobuf-reader.js";

export const SENTENCEPIECE_MODEL_TYPES: Readonly<Record<number, string>> = { 1: "unigram", 2: "bpe", 3: "word", 4: "char" };

export interface SentencePieceModel {
  pieces: string[];
  scores: Float32Array;
  /** SentencePiece piece types, numbered as llama.cpp's token types (1 normal ... 6 byte). */
  types: Uint8Array;
  modelType: string;
  byteFallback: boolean;
  unkId: number | undefined;
  bosId: number | undefined;
  eosId: number | undefined;
  padId: number | undefined;
  addDummyPrefix: boolean;
  /**
   * SentencePiece collapses runs of spaces when this is set (its default); llama.cpp, and so
   * this tokenizer, does not. Reported so callers can tell the user.
   */
  removeExtraWhitespaces: boolean;
  normalizerName: string | undefined;
}

/** Parses the bytes of a .model file. `source` is named in errors. */
export function parseSentencePieceModel(bytes: Uint8Array, source: string): SentencePieceModel {
  const pieces: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const trainer = { modelType: 1, byteFallback: false, unkId: 0, bosId: 1, eosId: 2, padId: -1 };
  const normalizer = { addDummyPrefix: true, removeExtraWhitespaces: true, name: undefined as string | undefined };
  const text = new TextDecoder("utf-8", { fatal: true });
  const notAModel = "Is this a SentencePiece tokenizer.model?";

  try {
    for (const f of protobufFields(bytes)) {
      if (f.field === 1 && f.bytes) {
        const id = pieces.length;
        let piece: string | undefined;
        let score = 0;
        let type = 1;
        for (const p of protobufFields(f.bytes, nestedBase(bytes, 0, f.bytes))) {
          if (p.field === 1 && p.bytes) {
            try {
              piece = text.decode(p.bytes);
            } catch {
              throw new TokenizerFormatError(source, `piece ${id}`, p.offset, "the piece is not valid UTF-8");
            }
          } else if (p.field === 2 && p.fixed32) score = p.fixed32.getFloat32(0, true);
          else if (p.field === 3 && p.int32 !== undefined) type = p.int32;
        }
        if (piece === undefined) throw new TokenizerFormatError(source, `piece ${id}`, f.offset, "has no piece text", notAModel);
        if (type < 1 || type > 6) throw new TokenizerFormatError(source, `piece ${id} type`, f.offset, `${type} is not a SentencePiece piece type (1..6)`);
        pieces.push(piece);
        scores.push(score);
        types.push(type);
      } else if (f.field === 2 && f.bytes) {
        for (const t of protobufFields(f.bytes, nestedBase(bytes, 0, f.bytes))) readTrainerField(t, trainer);
      } else if (f.field === 3 && f.bytes) {
        for (const n of protobufFields(f.bytes, nestedBase(bytes, 0, f.bytes))) {
          if (n.field === 1 && n.bytes) normalizer.name = new TextDecoder().decode(n.bytes);
          else if (n.field === 3 && n.varint !== undefined) normalizer.addDummyPrefix = n.varint !== 0;
          else if (n.field === 4 && n.varint !== undefined) normalizer.removeExtraWhitespaces = n.varint !== 0;
        }
      } else if (f.field === 1 || f.field === 2 || f.field === 3) {
        throw new TokenizerFormatError(source, `ModelProto field ${f.field}`, f.offset, `has wire type ${f.wireType}, expected a nested message`, notAModel);
      }
    }
  } catch (error) {
    if (error instanceof ProtobufError) throw new TokenizerFormatError(source, "protobuf", error.offset, error.message.replace(/ at byte offset \d+$/, ""), notAModel);
    throw error;
  }

  if (pieces.length === 0) throw new TokenizerFormatError(source, "pieces", undefined, "the model has no pieces", notAModel);
  const id = (field: string, value: number): number | undefined => {
    if (value < 0) return undefined;
    if (value >= pieces.length) throw new TokenizerFormatError(source, `trainer_spec.${field}`, undefined, `${value} is outside the vocabulary (0..${pieces.length - 1})`);
    return value;
  };
  return {
    pieces,
    scores: Float32Array.from(scores),
    types: Uint8Array.from(types),
    modelType: SENTENCEPIECE_MODEL_TYPES[trainer.modelType] ?? `type ${trainer.modelType}`,
    byteFallback: trainer.byteFallback,
    unkId: id("unk_id", trainer.unkId),
    bosId: id("bos_id", trainer.bosId),
    eosId: id("eos_id", trainer.eosId),
    padId: id("pad_id", trainer.padId),
    addDummyPrefix: normalizer.addDummyPrefix,
    removeExtraWhitespaces: normalizer.removeExtraWhitespaces,
    normalizerName: normalizer.name,
  };
}

function readTrainerField(f: ProtobufField, trainer: { modelType: number; byteFallback: boolean; unkId: number; bosId: number; eosId: number; padId: number }): void {
  if (f.wireType !== WireType.varint || f.int32 === undefined) return;
  switch (f.field) {
    case 3:
      trainer.modelType = f.int32;
      break;
    case 35:
      trainer.byteFallback = f.int32 !== 0;
      break;
    case 40:
      trainer.unkId = f.int32;
      break;
    case 41:
      trainer.bosId = f.int32;
      break;
    case 42:
      trainer.eosId = f.int32;
      break;
    case 43:
      trainer.padId = f.int32;
      break;
  }
}

/**
 * The GGUF "llama" vocabulary of a BPE SentencePiece model. Unigram models are refused: their
 * Viterbi segmentation is not the score-ordered merging llama.cpp (and Sieve) runs.
 */
export function ggufVocabularyOfSentencePiece(model: SentencePieceModel, source: string): GgufVocabulary {
  if (model.modelType !== "bpe") {
    throw new TokenizerFormatError(
      source,
      "trainer_spec.model_type",
      undefined,
      `"${model.modelType}" models are not supported (only BPE, which Llama-family tokenizers use)`,
      "Give the model's tokenizer.json instead",
    );
  }
  return {
    model: "llama",
    pre: "default",
    tokens: model.pieces,
    scores: model.scores,
    tokenTypes: model.types,
    merges: [],
    bosId: model.bosId,
    eosIds: model.eosId === undefined ? [] : [model.eosId],
    unkId: model.unkId,
    padId: model.padId,
    // Llama-family conventions (llama.cpp's defaults for SentencePiece vocabularies).
    addBos: model.bosId !== undefined,
    addEos: false,
    addSpacePrefix: model.addDummyPrefix,
    chatTemplate: undefined,
  };
}

/** A tokenizer from a SentencePiece .model file. */
export async function loadSentencePieceModel(path: string): Promise<GgufLlamaTokenizer> {
  const file = resolve(path);
  const model = parseSentencePieceModel(await readFile(file), file);
  return new GgufLlamaTokenizer(ggufVocabularyOfSentencePiece(model, file));
}
