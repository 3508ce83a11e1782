/**
 * llama2.c's tokenizer.bin as the GGUF "llama" vocabulary it is (llama.cpp's convert-llama2c
 * writes the same): pieces with "▁" for the spaces llama2.c's export wrote as " ", the
 * SentencePiece names of the three fixed specials (tokenizer.bin stores "\n<s>\n" for BOS),
 * byte-fallback pieces typed as bytes, and run.c's conventions (BOS added, dummy-prefix space).
 */
import { byteOfByteToken, bytesToByteString } from "./byte-strings.js";
import { TokenizerFormatError } from "./format-error.js";
import { GgufTokenType, type GgufVocabulary } from "./gguf-tokenizer.js";

const SPACE = "\u2581";
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** llama2.c's fixed ids (run.c hard-codes them) and the pieces SentencePiece gives them. */
const SPECIALS: Readonly<Record<number, { text: string; type: number }>> = {
  0: { text: "<unk>", type: GgufTokenType.unknown },
  1: { text: "<s>", type: GgufTokenType.control },
  2: { text: "</s>", type: GgufTokenType.control },
};

export function llama2cGgufVocabulary(pieces: readonly Uint8Array[], scores: Float32Array, source = "llama2.c tokenizer"): GgufVocabulary {
  const tokens: string[] = [];
  const tokenTypes = new Uint8Array(pieces.length);
  pieces.forEach((piece, id) => {
    const special = SPECIALS[id];
    if (special) {
      tokens.push(special.text);
      tokenTypes[id] = special.type;
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(piece);
    } catch {
      // GGUF strings are UTF-8; a piece that is not cannot be written (SentencePiece never makes one).
      throw new TokenizerFormatError(source, `token ${id}`, undefined, `the piece ${JSON.stringify(bytesToByteString(piece))} is not valid UTF-8, so it has no GGUF form`);
    }
    const isByte = byteOfByteToken(text) !== undefined;
    tokens.push(isByte ? text : text.replaceAll(" ", SPACE));
    tokenTypes[id] = isByte ? GgufTokenType.byte : GgufTokenType.normal;
  });
  return {
    model: "llama",
    pre: "default",
    tokens,
    scores: scores.slice(),
    tokenTypes,
    merges: [],
    bosId: 1,
    eosIds: [2],
    unkId: 0,
    addBos: true,
    addEos: false,
    addSpacePrefix: true,
    chatTemplate: undefined,
  };
}
