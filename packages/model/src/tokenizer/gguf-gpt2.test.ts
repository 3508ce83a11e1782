import { describe, expect, it } from "vitest";
import { tokenizerFromGgufMetadata } from "./gguf-vocab.js";
import { gpt2FixtureMetadata, gpt2FixtureTokens } from "./gpt2-fixture.js";

const tokens = gpt2FixtureTokens();
const id = (token: string): number => {
  const found = tokens.indexOf(token);
  if (found < 0) throw new Error(`no token ${token}`);
  return found;
};
/** Byte ids: the fixture puts byte b's character at id b. */
const bytesOf = (text: string): number[] => [...new TextEncoder().encode(text)];

describe("GGUF gpt2 (byte-level BPE) on a hand-built vocabulary", () => {
  const gpt2 = tokenizerFromGgufMetadata(gpt2FixtureMetadata("gpt2"));
  const llama3 = tokenizerFromGgufMetadata(gpt2FixtureMetadata("llama-bpe"));

  it("merges in rank order within pre-tokens", () => {
    expect(gpt2.kind).toBe("gguf-gpt2");
    // " the": "Ġ t" (rank 0) -> "Ġt", "h e" (1) -> "he", "Ġt he" (2) -> "Ġthe".
    expect(gpt2.encode(" the")).toEqual([id("Ġthe")]);
    // "the the": pre-tokens "the" and " the"; "the" has no "t he" merge.
    expect(gpt2.encode("the the")).toEqual([id("t"), id("he"), id("Ġthe")]);
    expect(gpt2.encode(" and in")).toEqual([id("Ġand"), id("Ġ"), id("in")]);
    // No BOS unless tokenizer.ggml.add_bos_token says so.
    expect(gpt2.bosId).toBe(id("<|endoftext|>"));
  });

  it("splits text with the pattern named by tokenizer.ggml.pre", () => {
    // GPT-2 keeps "1234" as one pre-token, so "3 4" merges; Llama 3 splits digits in threes.
    expect(gpt2.encode("1234")).toEqual([...bytesOf("12"), id("34")]);
    expect(llama3.encode("1234")).toEqual(bytesOf("1234"));
    // Llama 3's contractions ignore case ("'M" is one pre-token); GPT-2's do not.
    expect(llama3.encode("I'M")).toEqual([id("I"), id("'M")]);
    expect(gpt2.encode("I'M")).toEqual(bytesOf("I'M"));
  });

  it("encodes multi-byte characters as bytes in the byte-level alphabet and decodes them back", () => {
    // "é" is C3 A9 = "Ã©", which the fixture merges into one token.
    expect(gpt2.encode("é")).toEqual([id("Ã©")]);
    for (const text of ["héllo wörld", "你好 😀", "tabs\tand\nnewlines  ", "I'M 1234"]) {
      expect(gpt2.decode(gpt2.encode(text))).toBe(text);
      expect(llama3.decode(llama3.encode(text))).toBe(text);
    }
  });

  it("matches special tokens in the text, longest first, unless parseSpecial is false", () => {
    const eot = id("<|endoftext|>");
    expect(gpt2.encode("a<|endoftext|>b")).toEqual([id("a"), eot, id("b")]);
    expect(gpt2.encode("a<|endoftext|>b", { parseSpecial: false })).toEqual(bytesOf("a<|endoftext|>b"));
    expect(gpt2.decode([id("a"), eot, id("b")])).toBe("ab");
    expect(gpt2.decode([id("a"), eot, id("b")], { skipSpecial: false })).toBe("a<|endoftext|>b");
    expect(gpt2.eosIds).toEqual([eot, id("<|im_end|>")]);
  });

  it("streams multi-byte characters whole", () => {
    const ids = gpt2.encode("😀é");
    const decoder = gpt2.createStreamDecoder();
    const chunks = ids.map((token) => decoder.push(token));
    chunks.push(decoder.flush());
    expect(chunks.slice(0, 4)).toEqual(["", "", "", "😀"]);
    expect(chunks.join("")).toBe("😀é");
  });

  it("rejects a pre-tokenizer it does not know, naming the key", () => {
    expect(() => tokenizerFromGgufMetadata(gpt2FixtureMetadata("falcon"))).toThrow(/tokenizer\.ggml\.pre: pre-tokenizer "falcon" is not supported/);
    const noMerges = { ...gpt2FixtureMetadata("gpt2"), "tokenizer.ggml.merges": undefined };
    expect(() => tokenizerFromGgufMetadata(noMerges)).toThrow(/tokenizer\.ggml\.merges: missing/);
  });
});
