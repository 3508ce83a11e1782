/**
 * Every tokenizer Sieve loads exports its vocabulary into a GGUF file (writeGguf, through
 * ggufVocab()) and back, encoding every test string to the same ids; and a GGUF "gpt2"
 * vocabulary exports to a tokenizer.json that the tokenizers library encodes the same way.
 * Sources: llama2.c tokenizer.bin, SentencePiece .model, GGUF (stories260K's), a tokenizer.json
 * built from tok512 (SentencePiece-style), and a byte-level BPE tokenizer.json built here.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Tensor } from "@sieve/core";
import { hfNames } from "../arch/weights.js";
import { synthCheckpoint } from "./synth.js";
import { writeGguf } from "./gguf-writer.js";
import { loadGguf } from "./gguf.js";
import { loadTokenizerFile } from "./tokenizer-file.js";
import { buildTokenizerConfig, buildTokenizerJson } from "./hf-tokenizer-export.js";
import { sentencePieceVocabularyOf } from "./hf-tokenizer-source.js";
import { tokenizerJsonFiles } from "./hf-tokenizer-write.js";
import { ASSETS_MISSING, assetsDir } from "./hf-test-support.js";
import { HfTokenizer } from "../tokenizer/hf.js";
import { GgufTokenType } from "../tokenizer/gguf-tokenizer.js";
import { GPT2_FIXTURE_MERGES, GPT2_FIXTURE_SPECIALS, gpt2FixtureTokens } from "../tokenizer/gpt2-fixture.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { LoadedCheckpoint } from "./types.js";

const TEXTS = [
  "Once upon a time, there was a little girl named Lily.",
  "héllo wörld 😀 你好 🇫🇷",
  "  two  spaces\tand\ttabs\n\nnewlines ",
  "I'M 1234 the and in",
  " ",
  "",
  "a<|endoftext|>b",
];

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sieve-tokgguf-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A small random model whose embedding has `vocabSize` rows, carrying `tokenizer`. */
function tinyCheckpoint(vocabSize: number, tokenizer: Tokenizer): LoadedCheckpoint {
  const base = synthCheckpoint("test-tiny", "f32", 5);
  const weights = new Map(base.weights);
  const rows = (n: number) => Tensor.wrap("f32", Float32Array.from({ length: n * base.config.dim }, (_, i) => Math.sin(i)), [n, base.config.dim]);
  weights.set(hfNames.embed, rows(vocabSize));
  if (weights.has(hfNames.lmHead)) weights.set(hfNames.lmHead, rows(vocabSize));
  return { ...base, config: { ...base.config, vocabSize }, weights, tokenizer };
}

/** Writes `tokenizer` into a GGUF file and reads the tokenizer back from it. */
async function throughGguf(tokenizer: Tokenizer, vocabSize = tokenizer.vocabSize): Promise<Tokenizer> {
  const file = join(tempDir(), "model.gguf");
  await writeGguf(file, tinyCheckpoint(vocabSize, tokenizer));
  return loadTokenizerFile(file);
}

function expectSameEncodings(a: Tokenizer, b: Tokenizer, texts = TEXTS): void {
  for (const text of texts) {
    expect(b.encode(text), JSON.stringify(text)).toEqual(a.encode(text));
    const ids = a.encode(text);
    expect(b.decode(ids), JSON.stringify(text)).toBe(a.decode(ids));
  }
}

/** A byte-level BPE tokenizer.json over the shared fixture vocabulary, with a chosen pre-tokenizer. */
function byteLevelTokenizerJson(preTokenizer: "gpt2" | "llama3"): Record<string, unknown> {
  const tokens = gpt2FixtureTokens();
  const specialsFrom = tokens.length - GPT2_FIXTURE_SPECIALS.length;
  const vocab = Object.fromEntries(tokens.slice(0, specialsFrom).map((token, id) => [token, id]));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: preTokenizer === "gpt2" };
  const llama3Split = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
  return {
    version: "1.0",
    added_tokens: GPT2_FIXTURE_SPECIALS.map((content, i) => ({ id: specialsFrom + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer:
      preTokenizer === "gpt2"
        ? byteLevel
        : { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: llama3Split.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", String.raw`'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]`) }, behavior: "Isolated", invert: false }, byteLevel] },
    post_processor: null,
    decoder: { ...byteLevel, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: null, fuse_unk: false, byte_fallback: false, vocab, merges: GPT2_FIXTURE_MERGES },
  };
}

describe("byte-level BPE tokenizer.json -> GGUF -> tokenizer", () => {
  const config = { bos_token: null, eos_token: "<|endoftext|>", pad_token: "<|im_start|>", add_bos_token: false };

  for (const pre of ["gpt2", "llama3"] as const) {
    it(`embeds a ${pre}-split tokenizer as "gpt2" and reloads to identical encodings`, async () => {
      const hf = new HfTokenizer(byteLevelTokenizerJson(pre), config);
      const vocab = hf.ggufVocab();
      expect(vocab.model).toBe("gpt2");
      expect(vocab.pre).toBe(pre === "gpt2" ? "gpt2" : "llama-bpe");
      expect(vocab.merges).toEqual(GPT2_FIXTURE_MERGES);
      expect(vocab.tokenTypes[vocab.tokens.indexOf("<|im_end|>")]).toBe(GgufTokenType.control);
      // The model's embedding is larger than the vocabulary: the GGUF pads it with unused tokens.
      const back = await throughGguf(hf, 300);
      expect(back.kind).toBe("gguf-gpt2");
      expect(back.vocabSize).toBe(300);
      expect(back.idToToken(299)).toBe("[PAD299]");
      expect(back.eosIds[0]).toBe(hf.eosIds[0]);
      expect(back.ggufVocab!().padId).toBe(vocab.tokens.indexOf("<|im_start|>"));
      expect(back.ggufVocab!()).toMatchObject({ addBos: false, addEos: false, bosId: undefined });
      expectSameEncodings(hf, back);
      // Sanity: the strings really exercise merges, bytes and the special token.
      expect(hf.encode(" the and")).toEqual([vocab.tokens.indexOf("Ġthe"), vocab.tokens.indexOf("Ġand")]);
      expect(hf.encode("a<|endoftext|>b")).toContain(vocab.tokens.indexOf("<|endoftext|>"));
    });
  }

  it("writes a GGUF gpt2 vocabulary back as a tokenizer.json that encodes the same", async () => {
    const hf = new HfTokenizer(byteLevelTokenizerJson("llama3"), config);
    const gguf = await throughGguf(hf, 300);
    const files = tokenizerJsonFiles(gguf, 128);
    if (typeof files === "string") throw new Error(files);
    const again = new HfTokenizer(files.tokenizerJson as Record<string, unknown>, files.tokenizerConfig as Record<string, unknown>);
    expectSameEncodings(gguf, again);
    expectSameEncodings(hf, again);
  });

  it("refuses tokenizers GGUF cannot hold, naming the field", () => {
    const wordPiece = {
      version: "1.0",
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: { type: "Whitespace" },
      post_processor: null,
      decoder: { type: "WordPiece", prefix: "##", cleanup: true },
      model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: { "[UNK]": 0, a: 1 } },
    };
    expect(() => new HfTokenizer(wordPiece, {}).ggufVocab()).toThrow(/model\.type: "WordPiece" has no GGUF form/);
    const odd = byteLevelTokenizerJson("llama3");
    ((odd.pre_tokenizer as { pretokenizers: Array<{ pattern: { Regex: string } }> }).pretokenizers[0]!.pattern.Regex = String.raw`\p{L}+|\s+`);
    expect(() => new HfTokenizer(odd, config).ggufVocab()).toThrow(/pre_tokenizer\.pattern/);
  });
});

const ASSETS = assetsDir();

describe.skipIf(!ASSETS)(ASSETS ? "stories260K's tokenizer in every form -> GGUF -> tokenizer" : ASSETS_MISSING, () => {
  const asset = (name: string) => join(ASSETS!, "stories260K", name);

  it("llama2.c tokenizer.bin: exports as llama.cpp's converter would and reloads to identical encodings", async () => {
    const bin = await loadTokenizerFile(asset("tok512.bin"));
    const vocab = (bin as unknown as { ggufVocab(): { tokens: string[]; tokenTypes: Uint8Array } }).ggufVocab();
    // The same vocabulary the official stories260K GGUF embeds.
    const official = (await loadGguf(asset("stories260Ktok512.gguf"))).tokenizer as unknown as { ggufVocab(): { tokens: string[]; tokenTypes: Uint8Array } };
    expect(vocab.tokens).toEqual(official.ggufVocab().tokens);
    expect([...vocab.tokenTypes]).toEqual([...official.ggufVocab().tokenTypes]);
    const back = await throughGguf(bin);
    expect(back.kind).toBe("gguf-llama");
    // The llama2.c tokenizer has no special-token text; leave that string to the others.
    expectSameEncodings(bin, back, TEXTS.slice(0, -1));
    // Real text: TinyStories (what the model was trained on) and WikiText (accents, symbols, spacing).
    const stories = readFileSync(join(ASSETS!, "data", "tinystories-valid-46.txt"), "utf8").split("<|endoftext|>").slice(0, 8);
    const wiki = readFileSync(join(ASSETS!, "data", "wikitext2-test.raw"), "utf8").split("\n").slice(0, 300);
    expectSameEncodings(bin, back, [...stories, ...wiki]);
  });

  it("SentencePiece .model, the GGUF's own vocabulary and a tokenizer.json built from tok512 reload identically", async () => {
    const bin = await loadTokenizerFile(asset("tok512.bin"));
    const model = await loadTokenizerFile(asset("tok512.model"));
    const gguf = await loadTokenizerFile(asset("stories260Ktok512.gguf"));
    const spv = sentencePieceVocabularyOf(bin, 512);
    if (typeof spv === "string") throw new Error(spv);
    const hf = new HfTokenizer(buildTokenizerJson(spv), buildTokenizerConfig(spv));
    for (const source of [model, gguf, hf]) {
      const back = await throughGguf(source);
      expectSameEncodings(source, back);
      expectSameEncodings(bin, back, TEXTS.slice(0, -1));
    }
    // The tokenizer.json's scores come from merge ranks, yet encode the same as the real scores.
    expect((hf.ggufVocab().scores as Float32Array).length).toBe(512);
  });
});
