import { Tokenizer as HfLibraryTokenizer } from "@huggingface/tokenizers";
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { HfTokenizer } from "./hf.js";
import { Llama2cTokenizer } from "./llama2c.js";
import { assetPath, haveAssets, storiesOf } from "./test-assets.js";

const TOKENIZER = "stories260K/tok512.bin";
const STORIES = "data/tinystories-valid-46.txt";

/**
 * tok512.bin recast as a Llama-2-style tokenizer.json (BPE with byte fallback, "▁" for spaces,
 * the decoder Replace/ByteFallback/Fuse/Strip): the shape of most SentencePiece-derived HF
 * tokenizers. Merges are derived the way transformers converts SentencePiece models: every split
 * of a piece into two pieces, ranked by the piece's id (ids follow score order in tok512).
 */
function llamaStyleTokenizerJson(pieces: string[]): Record<string, unknown> {
  const vocab = Object.fromEntries(pieces.map((piece, id) => [piece, id]));
  const merges: [string, string][] = [];
  pieces.forEach((piece, id) => {
    if (id < 259) return; // specials and byte tokens are never merge results
    const chars = [...piece];
    for (let i = 1; i < chars.length; i++) {
      const left = chars.slice(0, i).join("");
      const right = chars.slice(i).join("");
      if (left in vocab && right in vocab) merges.push([left, right]);
    }
  });
  const special = (id: number) => ({ id, content: pieces[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: "1.0",
    added_tokens: [special(0), special(1), special(2)],
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "Prepend", prepend: "▁" },
        { type: "Replace", pattern: { String: " " }, content: "▁" },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: { type: "BPE", dropout: null, unk_token: "<unk>", fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges },
  };
}

describe.skipIf(!haveAssets(TOKENIZER, STORIES))("HfTokenizer with a SentencePiece-style (byte-fallback) tokenizer.json", () => {
  let llama2c: Llama2cTokenizer;
  let hf: HfTokenizer;
  let library: HfLibraryTokenizer;
  let stories: string[];
  beforeAll(async () => {
    llama2c = await Llama2cTokenizer.fromFile(assetPath(TOKENIZER));
    const pieces = Array.from({ length: llama2c.vocabSize }, (_, id) => llama2c.idToToken(id).replaceAll(" ", "▁"));
    pieces[1] = "<s>";
    pieces[2] = "</s>";
    const json = llamaStyleTokenizerJson(pieces);
    const config = { bos_token: "<s>", eos_token: "</s>", add_bos_token: true, clean_up_tokenization_spaces: false };
    hf = new HfTokenizer(json, config);
    library = new HfLibraryTokenizer(json, config);
    stories = storiesOf(readFileSync(assetPath(STORIES), "utf8"));
  });

  it("encodes the stories as llama2.c does", () => {
    expect(hf.bosId).toBe(1);
    expect(hf.eosIds).toEqual([2]);
    for (const story of stories) expect(hf.encode(story)).toEqual(llama2c.encode(story));
  });

  it("decodes per token exactly as the library decodes whole sequences", () => {
    for (const text of [...stories.slice(0, 5), "café ü 你好 😀", " leading space"]) {
      const ids = hf.encode(text);
      const expected = library.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
      expect(hf.decode(ids)).toBe(expected);
      expect(hf.decode(ids)).toBe(llama2c.decode(ids));
      const decoder = hf.createStreamDecoder();
      const chunks = ids.map((id) => decoder.push(id));
      chunks.push(decoder.flush());
      expect(chunks.join("")).toBe(expected);
      for (const chunk of chunks) expect(chunk).not.toMatch(/\uFFFD/);
    }
  });

  it("keeps the first space of a continuation when told the previous token", () => {
    const ids = hf.encode("Once upon a time", { addBos: false });
    const continuation = ids.slice(2); // "▁a", "▁time"
    expect(hf.decode(continuation)).toBe("a time");
    expect(hf.decode(continuation, { previousId: ids[1] })).toBe(" a time");
  });
});
