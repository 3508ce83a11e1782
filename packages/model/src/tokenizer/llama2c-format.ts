/**
 * Reader of llama2.c's tokenizer.bin: int32 max_token_length, then for every token an f32 score,
 * an int32 byte length and that many bytes (little-endian throughout). The file carries no token
 * count; run.c takes it from the model header, so here it is whatever the file holds, or checked
 * against `expectedVocabSize` when the caller knows it.
 */
import { TokenizerFormatError } from "./format-error.js";

export interface Llama2cVocabulary {
  /** The longest piece in bytes, as the header states it. */
  maxTokenLength: number;
  /** Piece bytes per id, as stored (llama2.c's export writes "▁" as a plain space). */
  pieces: Uint8Array[];
  scores: Float32Array;
}

/** A header larger than this is garbage, not a tokenizer (real ones are well under 100). */
const MAX_SANE_TOKEN_LENGTH = 1 << 16;
/** BOS is id 1 and EOS id 2 by llama2.c's convention, so anything shorter cannot be right. */
const MIN_TOKENS = 3;

export function parseLlama2cVocabulary(bytes: Uint8Array, source: string, expectedVocabSize?: number): Llama2cVocabulary {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (field: string, offset: number, problem: string, fix?: string): never => {
    throw new TokenizerFormatError(source, field, offset, problem, fix);
  };
  const notATokenizer = "Is this a llama2.c tokenizer.bin (and not a model .bin or a SentencePiece .model)?";

  if (bytes.length < 4) fail("max_token_length", 0, `the file has ${bytes.length} bytes, fewer than its 4-byte header`, notATokenizer);
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > MAX_SANE_TOKEN_LENGTH) {
    fail("max_token_length", 0, `${maxTokenLength} is not a plausible longest-token length (1..${MAX_SANE_TOKEN_LENGTH})`, notATokenizer);
  }

  const pieces: Uint8Array[] = [];
  const scores: number[] = [];
  let offset = 4;
  while (offset < bytes.length && (expectedVocabSize === undefined || pieces.length < expectedVocabSize)) {
    const id = pieces.length;
    if (bytes.length - offset < 8) {
      fail(`token ${id}`, offset, `the file ends inside the score/length fields (${bytes.length - offset} of 8 bytes left)`, "The file is truncated");
    }
    const score = view.getFloat32(offset, true);
    if (Number.isNaN(score)) fail(`token ${id} score`, offset, "the score is NaN", notATokenizer);
    const length = view.getInt32(offset + 4, true);
    if (length < 0 || length > maxTokenLength) {
      fail(`token ${id} length`, offset + 4, `${length} is outside 0..max_token_length (${maxTokenLength})`, notATokenizer);
    }
    const start = offset + 8;
    if (start + length > bytes.length) {
      fail(`token ${id} bytes`, start, `the piece needs ${length} bytes but the file has ${bytes.length - start} left`, "The file is truncated");
    }
    pieces.push(bytes.slice(start, start + length));
    scores.push(score);
    offset = start + length;
  }

  if (expectedVocabSize !== undefined && pieces.length < expectedVocabSize) {
    fail("token count", offset, `the file holds ${pieces.length} tokens but the model expects ${expectedVocabSize}`, "Use the tokenizer.bin exported with this model");
  }
  if (expectedVocabSize !== undefined && offset < bytes.length) {
    fail("token count", offset, `${bytes.length - offset} bytes follow the ${expectedVocabSize} tokens the model expects`, "Use the tokenizer.bin exported with this model");
  }
  if (pieces.length < MIN_TOKENS) {
    fail("token count", offset, `the file holds ${pieces.length} tokens; llama2.c needs at least <unk>, BOS and EOS`, notATokenizer);
  }
  return { maxTokenLength, pieces, scores: Float32Array.from(scores) };
}
