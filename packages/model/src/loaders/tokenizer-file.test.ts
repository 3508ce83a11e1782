/**
 * loadTokenizerFile takes every tokenizer format by its file: tokenizer.json (or its directory,
 * or another name), llama2.c .bin, a .gguf's embedded vocabulary, a SentencePiece .model. And a
 * llama2.c checkpoint takes any of them as its tokenizer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixturePieces, sentencePieceModelBytes } from "../tokenizer/sentencepiece-fixture.js";
import { TokenizerFormatError } from "../tokenizer/format-error.js";
import { buildTokenizerConfig, buildTokenizerJson } from "./hf-tokenizer-export.js";
import { sentencePieceVocabularyOf } from "./hf-tokenizer-source.js";
import { ASSETS_MISSING, assetsDir } from "./hf-test-support.js";
import { loadLlama2c } from "./llama2c.js";
import { loadTokenizerFile } from "./tokenizer-file.js";
import { synthCheckpoint } from "./synth.js";
import { writeGguf } from "./gguf-writer.js";

const dir = mkdtempSync(join(tmpdir(), "sieve-tokfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadTokenizerFile without assets", () => {
  it("reads a SentencePiece .model", async () => {
    const file = join(dir, "tiny.model");
    writeFileSync(file, sentencePieceModelBytes());
    const tok = await loadTokenizerFile(file);
    expect(tok.kind).toBe("gguf-llama");
    expect(tok.vocabSize).toBe(fixturePieces().length);
    expect(tok.decode(tok.encode("abc é"))).toBe("abc é");
  });

  it("names the file and what it takes when the format is unknown or a GGUF has no vocabulary", async () => {
    const file = join(dir, "vocab.txt");
    writeFileSync(file, "a\nb\n");
    await expect(loadTokenizerFile(file)).rejects.toThrow(/vocab\.txt: file name: is not a tokenizer format known by its name\. Give a tokenizer\.json .*SentencePiece \.model/);
    await expect(loadTokenizerFile(join(dir, "missing.model"))).rejects.toBeInstanceOf(TokenizerFormatError);
    const bare = join(dir, "bare.gguf");
    await writeGguf(bare, synthCheckpoint("test-tiny", "f32", 1));
    await expect(loadTokenizerFile(bare)).rejects.toThrow(/bare\.gguf: tokenizer\.ggml\.model: missing: this GGUF file embeds no tokenizer/);
  });
});

const ASSETS = assetsDir();

describe.skipIf(!ASSETS)(ASSETS ? "loadTokenizerFile on stories260K's tokenizer in every format" : ASSETS_MISSING, () => {
  const asset = (name: string) => join(ASSETS!, "stories260K", name);
  const text = "Once upon a time, Lily saw a big dog. \"Hi!\" she said 😀";

  it("every format encodes like tokenizer.bin", async () => {
    const bin = await loadTokenizerFile(asset("tok512.bin"));
    const spv = sentencePieceVocabularyOf(bin, 512);
    if (typeof spv === "string") throw new Error(spv);
    const hfDir = join(dir, "hf");
    mkdirSync(hfDir, { recursive: true });
    writeFileSync(join(hfDir, "tokenizer.json"), JSON.stringify(buildTokenizerJson(spv)));
    writeFileSync(join(hfDir, "tokenizer_config.json"), JSON.stringify(buildTokenizerConfig(spv)));
    writeFileSync(join(dir, "renamed.json"), JSON.stringify(buildTokenizerJson(spv)));
    const expected = bin.encode(text);
    const kinds: Record<string, string> = {};
    for (const path of [asset("tok512.model"), asset("stories260Ktok512.gguf"), hfDir, join(hfDir, "tokenizer.json"), join(dir, "renamed.json")]) {
      const tok = await loadTokenizerFile(path);
      kinds[path.slice(dir.length)] = tok.kind;
      expect(tok.encode(text), path).toEqual(expected);
    }
    expect(new Set(Object.values(kinds))).toEqual(new Set(["gguf-llama", "hf"]));
  });

  it("a llama2.c checkpoint takes a .gguf or .model as its tokenizer", async () => {
    for (const name of ["tok512.model", "stories260Ktok512.gguf"]) {
      const ck = await loadLlama2c(asset("stories260K.bin"), { tokenizer: asset(name) });
      expect(ck.tokenizer?.kind).toBe("gguf-llama");
      expect(ck.tokenizer?.vocabSize).toBe(512);
    }
    const big = join(dir, "big.model");
    writeFileSync(big, sentencePieceModelBytes({ pieces: Array.from({ length: 600 }, (_, i) => ({ piece: `p${i}`, score: -i, type: 1 })) }));
    await expect(loadLlama2c(asset("stories260K.bin"), { tokenizer: big })).rejects.toThrow(/has 600 tokens but the model only 512/);
  });
});
