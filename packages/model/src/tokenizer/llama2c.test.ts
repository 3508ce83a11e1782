import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { TokenizerFormatError } from "./format-error.js";
import { LLAMA2C_BOS_ID, LLAMA2C_EOS_ID, Llama2cTokenizer } from "./llama2c.js";
import { assetPath, haveAssets, storiesOf } from "./test-assets.js";

const TOKENIZER = "stories260K/tok512.bin";
const STORIES = "data/tinystories-valid-46.txt";

/** Builds a tokenizer.bin in memory: int32 max length, then (f32 score, int32 length, bytes) per token. */
function tokenizerBin(pieces: { text: string; score: number }[], maxTokenLength?: number): Uint8Array {
  const encoded = pieces.map((p) => ({ bytes: new TextEncoder().encode(p.text), score: p.score }));
  const size = 4 + encoded.reduce((n, p) => n + 8 + p.bytes.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setInt32(0, maxTokenLength ?? Math.max(...encoded.map((p) => p.bytes.length)), true);
  let offset = 4;
  for (const p of encoded) {
    view.setFloat32(offset, p.score, true);
    view.setInt32(offset + 4, p.bytes.length, true);
    out.set(p.bytes, offset + 8);
    offset += 8 + p.bytes.length;
  }
  return out;
}

describe("Llama2cTokenizer on a hand-built vocabulary", () => {
  // ids: 0 <unk>, 1 BOS, 2 EOS, 3..258 byte tokens, then pieces; scores decide merge order.
  const bytes = Array.from({ length: 256 }, (_, b) => ({ text: `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, score: 0 }));
  const pieces = [
    { text: "<unk>", score: 0 },
    { text: "\n<s>\n", score: 0 },
    { text: "\n</s>\n", score: 0 },
    ...bytes,
    { text: " ", score: -1 }, // 259
    { text: "a", score: -2 }, // 260
    { text: "b", score: -3 }, // 261
    { text: "ab", score: -4 }, // 262
    { text: " ab", score: -5 }, // 263
    { text: "bb", score: -0.5 }, // 264: the best merge of all
  ];
  const tokenizer = Llama2cTokenizer.fromBuffer(tokenizerBin(pieces));

  it("merges by best score, leftmost first on ties, after the dummy-prefix space", () => {
    // " abb": "b"+"b" (score -0.5) beats "a"+"b" (-4), leaving " ", "a", "bb": nothing else merges.
    expect(tokenizer.encode("abb", { addBos: false })).toEqual([259, 260, 264]);
    // " ab": "a"+"b" -> "ab" (-4), then " "+"ab" -> " ab" (-5).
    expect(tokenizer.encode("ab")).toEqual([LLAMA2C_BOS_ID, 263]);
  });

  it("falls back to byte tokens (byte + 3) for characters not in the vocabulary", () => {
    // "é" is C3 A9: ids 0xC3 + 3 = 198 and 0xA9 + 3 = 172.
    expect(tokenizer.encode("é", { addBos: false })).toEqual([259, 198, 172]);
    expect(tokenizer.decode([LLAMA2C_BOS_ID, 259, 198, 172])).toBe("é");
  });

  it("adds nothing for empty text but BOS/EOS when asked", () => {
    expect(tokenizer.encode("")).toEqual([LLAMA2C_BOS_ID]);
    expect(tokenizer.encode("", { addBos: false, addEos: true })).toEqual([LLAMA2C_EOS_ID]);
  });

  it("names the file and byte offset of a truncated or garbled file", () => {
    const good = tokenizerBin(pieces);
    const truncated = good.subarray(0, good.length - 1);
    expect(() => Llama2cTokenizer.fromBuffer(truncated, { source: "tok.bin" })).toThrow(TokenizerFormatError);
    expect(() => Llama2cTokenizer.fromBuffer(truncated, { source: "tok.bin" })).toThrow(/tok\.bin: token 264 bytes at byte offset \d+: .*truncated/);
    const garbled = good.slice();
    new DataView(garbled.buffer).setInt32(4 + 4, 1_000_000, true); // token 0's length
    expect(() => Llama2cTokenizer.fromBuffer(garbled, { source: "tok.bin" })).toThrow(/token 0 length at byte offset 8: 1000000 is outside/);
    expect(() => Llama2cTokenizer.fromBuffer(new Uint8Array([1, 2]), { source: "tok.bin" })).toThrow(/max_token_length at byte offset 0/);
    expect(() => Llama2cTokenizer.fromBuffer(good, { source: "tok.bin", vocabSize: 300 })).toThrow(/holds 265 tokens but the model expects 300/);
  });
});

describe.skipIf(!haveAssets(TOKENIZER, STORIES))("Llama2cTokenizer on stories260K's tok512.bin", () => {
  // Loaded in beforeAll: a skipped suite still runs its body, but not its hooks.
  let tokenizer: Llama2cTokenizer;
  let stories: string[];
  beforeAll(async () => {
    tokenizer = await Llama2cTokenizer.fromFile(assetPath(TOKENIZER));
    stories = storiesOf(readFileSync(assetPath(STORIES), "utf8"));
  });

  it("reads all 512 tokens", () => {
    expect(tokenizer.vocabSize).toBe(512);
    expect(tokenizer.maxTokenLength).toBe(7);
    expect(tokenizer.idToToken(3)).toBe("<0x00>");
    expect(tokenizer.idToToken(259)).toBe(" t");
  });

  it("encodes known text as run.c does", () => {
    // Derived by hand from tok512.bin: after the dummy prefix, " Once", " upon", " a" and " time"
    // are single pieces (ids 403, 407, 261, 378) and every merge that builds them outranks any
    // merge across a space (a piece never continues past a following space). SentencePiece with
    // tok512.model gives the same ids.
    const ids = tokenizer.encode("Once upon a time");
    expect(ids).toEqual([LLAMA2C_BOS_ID, 403, 407, 261, 378]);
    expect(ids.slice(1).map((id) => tokenizer.idToToken(id)).join("")).toBe(" Once upon a time");
    // "Hello": " He" (346) + "ll" (306) + "o" (414); tok512 has no " Hel" or "llo".
    expect(tokenizer.encode("Hello", { addBos: false })).toEqual([346, 306, 414]);
  });

  it("falls back to bytes for characters tok512 lacks and round-trips them", () => {
    // "ü" = C3 BC is not in tok512: the dummy prefix " " (410), then ids 0xC3+3 and 0xBC+3.
    expect(tokenizer.encode("ü", { addBos: false })).toEqual([410, 0xc3 + 3, 0xbc + 3]);
    // "é" is a piece of its own (485).
    const ids = tokenizer.encode("café ü", { addBos: false });
    expect(ids).toContain(485);
    expect(ids.slice(-2)).toEqual([0xc3 + 3, 0xbc + 3]);
    for (const text of ["café", "naïve ü", "你好, 世界", "😀 emoji 👩‍👩‍👧", "tab\tnew\nline"]) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it("round-trips every story of the evaluation text", () => {
    expect(stories.length).toBe(46);
    for (const story of stories) expect(tokenizer.decode(tokenizer.encode(story))).toBe(story);
  });

  it("keeps the dummy-prefix space when there is no BOS, as run.c does", () => {
    expect(tokenizer.decode(tokenizer.encode("Once upon a time", { addBos: false }))).toBe(" Once upon a time");
    expect(tokenizer.decode(tokenizer.encode("time"), { skipSpecial: false })).toBe("\n<s>\ntime");
  });
});
