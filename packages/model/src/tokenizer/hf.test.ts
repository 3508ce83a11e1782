import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer as HfLibraryTokenizer } from "@huggingface/tokenizers";
import { afterAll, describe, expect, it } from "vitest";
import { encodeChat } from "./chat-template.js";
import { tokenizerFromGgufMetadata } from "./gguf-vocab.js";
import { GPT2_FIXTURE_MERGES, GPT2_FIXTURE_SPECIALS, gpt2FixtureMetadata, gpt2FixtureTokens } from "./gpt2-fixture.js";
import { HfTokenizer } from "./hf.js";
import { TokenizerFormatError } from "./format-error.js";

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A GPT-2-style tokenizer.json over the shared byte-level fixture (BPE, ByteLevel pre-tokenizer and decoder). */
function tokenizerJson(): Record<string, unknown> {
  const tokens = gpt2FixtureTokens();
  const specialsFrom = tokens.length - GPT2_FIXTURE_SPECIALS.length;
  const vocab = Object.fromEntries(tokens.slice(0, specialsFrom).map((token, id) => [token, id]));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: "1.0",
    added_tokens: GPT2_FIXTURE_SPECIALS.map((content, i) => ({
      id: specialsFrom + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: { type: "BPE", dropout: null, unk_token: null, fuse_unk: false, byte_fallback: false, vocab, merges: GPT2_FIXTURE_MERGES },
  };
}

const dirs: string[] = [];
function writeModelDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "sieve-hf-tokenizer-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("HfTokenizer on a small byte-level BPE tokenizer.json", async () => {
  const config = { bos_token: null, eos_token: "<|endoftext|>", chat_template: CHATML, add_bos_token: false };
  const dir = writeModelDir({
    "tokenizer.json": tokenizerJson(),
    "tokenizer_config.json": config,
    // Ids: 256 bytes, 10 merged tokens, then 266 <|endoftext|>, 267 <|im_start|>, 268 <|im_end|>.
    "generation_config.json": { eos_token_id: [266, 268] },
  });
  const hf = await HfTokenizer.fromDirectory(dir);
  const gguf = tokenizerFromGgufMetadata(gpt2FixtureMetadata("gpt2"));
  const library = new HfLibraryTokenizer(tokenizerJson(), config);
  const samples = ["the the", " and in", "héllo wörld", "你好 😀 1234", "I'M", "a<|im_start|>b", "  spaces\n\nand\ttabs "];

  it("reads vocabulary size and special ids from the files", () => {
    expect(hf.kind).toBe("hf");
    expect(hf.vocabSize).toBe(gpt2FixtureTokens().length);
    expect(hf.bosId).toBeUndefined();
    const endOfText = hf.tokenToId("<|endoftext|>")!;
    const imEnd = hf.tokenToId("<|im_end|>")!;
    expect(endOfText).toBe(266);
    expect(imEnd).toBe(268);
    // tokenizer_config's eos_token first, then generation_config's ids (deduplicated).
    expect(hf.eosIds).toEqual([endOfText, imEnd]);
  });

  it("encodes exactly as the GGUF byte-level implementation of the same vocabulary", () => {
    for (const text of samples) expect(hf.encode(text)).toEqual(gguf.encode(text));
    expect(hf.encode(" the")).toEqual([hf.tokenToId("Ġthe")]);
  });

  it("decodes like the library, and streams in chunks that add up to decode()", () => {
    for (const text of samples) {
      const ids = hf.encode(text);
      expect(hf.decode(ids, { skipSpecial: false })).toBe(text);
      expect(hf.decode(ids)).toBe(library.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }));
      const decoder = hf.createStreamDecoder();
      const chunks = ids.map((id) => decoder.push(id));
      chunks.push(decoder.flush());
      expect(chunks.join("")).toBe(hf.decode(ids));
      for (const chunk of chunks) expect(chunk).not.toMatch(/\uFFFD/);
    }
    expect(hf.decode(hf.encode("a<|im_start|>b"))).toBe("ab");
  });

  it("adds EOS on request and can leave special-token text alone", () => {
    const eos = hf.tokenToId("<|endoftext|>")!;
    expect(hf.encode("a", { addEos: true })).toEqual([hf.tokenToId("a"), eos]);
    expect(hf.encode("<|endoftext|>")).toEqual([eos]);
    expect(hf.encode("<|endoftext|>", { parseSpecial: false })).not.toContain(eos);
    expect(hf.decode(hf.encode("<|endoftext|>", { parseSpecial: false }))).toBe("<|endoftext|>");
  });

  it("renders its ChatML template and encodes the prompt with special tokens parsed", () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
    ];
    expect(hf.hasChatTemplate).toBe(true);
    expect(hf.applyChatTemplate(messages)).toBe("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n");
    const prompt = hf.applyChatTemplate(messages, { addGenerationPrompt: true });
    expect(prompt.endsWith("<|im_start|>assistant\n")).toBe(true);
    const ids = encodeChat(hf, messages);
    expect(ids).toEqual(hf.encode(prompt));
    expect(ids.filter((id) => id === hf.tokenToId("<|im_start|>"))).toHaveLength(3);
  });

  it("takes BOS from a TemplateProcessing post-processor when tokenizer_config.json names none", () => {
    const bos = { SpecialToken: { id: "<|endoftext|>", type_id: 0 } };
    const sequence = (id: string) => ({ Sequence: { id, type_id: 0 } });
    const json = {
      ...tokenizerJson(),
      post_processor: {
        type: "TemplateProcessing",
        single: [bos, sequence("A")],
        pair: [bos, sequence("A"), bos, sequence("B")],
        special_tokens: { "<|endoftext|>": { id: "<|endoftext|>", ids: [266], tokens: ["<|endoftext|>"] } },
      },
    };
    const withBos = new HfTokenizer(json, {});
    expect(withBos.bosId).toBe(266);
    expect(withBos.encode("a")).toEqual([266, withBos.tokenToId("a")]);
    expect(withBos.encode("a", { addBos: false })).toEqual([withBos.tokenToId("a")]);
    expect(hf.encode("a")).toEqual([hf.tokenToId("a")]);
    expect(hf.encode("")).toEqual([]);
    expect(hf.decode([])).toBe("");
  });

  it("explains a missing tokenizer.json", async () => {
    const empty = writeModelDir({});
    await expect(HfTokenizer.fromDirectory(empty)).rejects.toThrow(TokenizerFormatError);
    await expect(HfTokenizer.fromDirectory(empty)).rejects.toThrow(/tokenizer\.json: not found/);
  });
});
