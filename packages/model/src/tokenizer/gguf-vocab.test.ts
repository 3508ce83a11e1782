import { readFileSync } from "node:fs";
import { gguf } from "@huggingface/gguf";
import { beforeAll, describe, expect, it } from "vitest";
import type { GgufGpt2Tokenizer } from "./gguf-gpt2.js";
import type { GgufLlamaTokenizer } from "./gguf-llama.js";
import { GgufTokenType } from "./gguf-tokenizer.js";
import { readGgufVocabulary, tokenizerFromGgufMetadata } from "./gguf-vocab.js";
import { Llama2cTokenizer } from "./llama2c.js";
import { assetPath, haveAssets, storiesOf } from "./test-assets.js";
import { TokenizerFormatError } from "./format-error.js";

const GGUF = "stories260K/stories260Ktok512.gguf";
const TOKENIZER = "stories260K/tok512.bin";
const STORIES = "data/tinystories-valid-46.txt";

describe.skipIf(!haveAssets(GGUF, TOKENIZER, STORIES))("the vocabulary embedded in stories260Ktok512.gguf", () => {
  let embedded: GgufLlamaTokenizer | GgufGpt2Tokenizer;
  let reference: Llama2cTokenizer;
  let text: string;
  beforeAll(async () => {
    const { metadata } = await gguf(assetPath(GGUF), { allowLocalFile: true });
    embedded = tokenizerFromGgufMetadata(metadata as Record<string, unknown>, { source: assetPath(GGUF) });
    reference = await Llama2cTokenizer.fromFile(assetPath(TOKENIZER));
    text = readFileSync(assetPath(STORIES), "utf8");
  });

  it("is a SentencePiece vocabulary with llama2.c's ids", () => {
    expect(embedded.kind).toBe("gguf-llama");
    expect(embedded.vocabSize).toBe(512);
    expect(embedded.bosId).toBe(1);
    expect(embedded.eosIds).toEqual([2]);
    expect(embedded.idToToken(259)).toBe("▁t");
    expect(embedded.tokenType(3)).toBe(GgufTokenType.byte);
    expect(embedded.hasChatTemplate).toBe(false);
  });

  it("encodes the whole evaluation text exactly as tok512.bin does", () => {
    const ids = embedded.encode(text);
    expect(ids).toEqual(reference.encode(text));
    // Fingerprint from an independent Python port of run.c's encode (SentencePiece agrees on
    // every story): 15,519 tokens with BOS, starting BOS, "▁", "▁S" "p" "ot" ".".
    expect(ids.length).toBe(15_519);
    expect(ids.slice(0, 6)).toEqual([1, 410, 301, 427, 309, 426]);
  });

  it("encodes and decodes every story as tok512.bin does", () => {
    for (const story of storiesOf(text)) {
      const ids = embedded.encode(story);
      expect(ids).toEqual(reference.encode(story));
      expect(embedded.decode(ids)).toBe(story);
      expect(embedded.decode(ids)).toBe(reference.decode(ids));
    }
  });

  it("falls back to bytes by token text and round-trips characters tok512 lacks", () => {
    const sample = "café ü 你好 😀";
    // SentencePiece with tok512.model gives the same ids.
    const expected = [280, 412, 431, 485, 410, 198, 191, 410, 231, 192, 163, 232, 168, 192, 410, 243, 162, 155, 131];
    expect(embedded.encode(sample, { addBos: false })).toEqual(expected);
    expect(embedded.decode(embedded.encode(sample))).toBe(sample);
  });

  it("recognizes special-token text only when asked", () => {
    expect(embedded.encode("<s>", { addBos: false })).toEqual([1]);
    expect(embedded.encode("<s>", { addBos: false, parseSpecial: false })).not.toContain(1);
  });
});

/** A tiny SentencePiece-style GGUF vocabulary: specials, three byte tokens, a few pieces. */
function tinyLlamaMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const tokens = ["<unk>", "<s>", "</s>", "<0x0A>", "<0xC3>", "<0xA9>", "▁", "h", "i", "▁h", "▁hi", "<|user|>"];
  const types = [2, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1, 3];
  const scores = tokens.map((_, id) => -id);
  return {
    "tokenizer.ggml.model": "llama",
    "tokenizer.ggml.tokens": tokens,
    "tokenizer.ggml.scores": scores,
    "tokenizer.ggml.token_type": types,
    "tokenizer.ggml.bos_token_id": 1,
    "tokenizer.ggml.eos_token_id": 2,
    ...extra,
  };
}

describe("tokenizerFromGgufMetadata on hand-built metadata", () => {
  it("adds the space prefix after special tokens as llama.cpp does, and drops it on decode", () => {
    const tokenizer = tokenizerFromGgufMetadata(tinyLlamaMeta());
    // "<|user|>" is split out; the text after it gets "▁" -> "▁hi" (id 10).
    const ids = tokenizer.encode("hi<|user|>hi");
    expect(ids).toEqual([1, 10, 11, 10]);
    expect(tokenizer.decode(ids)).toBe("hihi");
    expect(tokenizer.decode(ids, { skipSpecial: false })).toBe("<s>hi<|user|>hi");
  });

  it("uses byte tokens for unknown characters and unk when a byte has none", () => {
    const tokenizer = tokenizerFromGgufMetadata(tinyLlamaMeta());
    expect(tokenizer.encode("é\n", { addBos: false })).toEqual([6, 4, 5, 3]);
    expect(tokenizer.encode("x", { addBos: false })).toEqual([6, 0]);
    expect(tokenizer.decode([1, 6, 4, 5, 3])).toBe("é\n");
  });

  it("collects EOS, EOT and EOM as stop ids and treats 0xFFFFFFFF as no token", () => {
    const vocab = readGgufVocabulary(
      tinyLlamaMeta({ "tokenizer.ggml.eot_token_id": 11, "tokenizer.ggml.padding_token_id": 0xffffffff, "tokenizer.ggml.eom_token_id": 0xffffffff }),
    );
    expect(vocab.eosIds).toEqual([2, 11]);
  });

  it("renders an embedded chat template with the vocabulary's BOS and EOS texts", () => {
    const template = "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{{ eos_token }}{% endfor %}";
    const tokenizer = tokenizerFromGgufMetadata(tinyLlamaMeta({ "tokenizer.chat_template": template }));
    expect(tokenizer.hasChatTemplate).toBe(true);
    expect(tokenizer.applyChatTemplate([{ role: "user", content: "hi" }])).toBe("<s><|user|>hi</s>");
  });

  it("names the key and the value it cannot handle", () => {
    expect(() => tokenizerFromGgufMetadata(tinyLlamaMeta({ "tokenizer.ggml.model": "bert" }), { source: "m.gguf" })).toThrow(
      /m\.gguf: tokenizer\.ggml\.model: "bert" is not supported/,
    );
    expect(() => tokenizerFromGgufMetadata({})).toThrow(TokenizerFormatError);
    expect(() => tokenizerFromGgufMetadata(tinyLlamaMeta({ "tokenizer.ggml.scores": [0] }))).toThrow(
      /tokenizer\.ggml\.scores: has 1 entries but tokenizer\.ggml\.tokens has 12/,
    );
    expect(() => tokenizerFromGgufMetadata(tinyLlamaMeta({ "tokenizer.ggml.bos_token_id": 99 }))).toThrow(
      /tokenizer\.ggml\.bos_token_id: token id 99 is outside the vocabulary/,
    );
  });
});
