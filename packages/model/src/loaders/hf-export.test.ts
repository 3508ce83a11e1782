import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer as HfLibraryTokenizer } from "@huggingface/tokenizers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tensor } from "@sieve/core";
import { hfNames } from "../arch/weights.js";
import { loadGguf } from "./gguf.js";
import { loadHfDirectory, type HfDirectoryCheckpoint } from "./hf-dir.js";
import { splitIntoShards, writeHfDirectory } from "./hf-export.js";
import { interleavedToHalfOrder, permuteInterleavedToHalf } from "./hf-rope-permute.js";
import { mergesFromScores } from "./hf-tokenizer-export.js";
import { ASSETS_MISSING, assetsDir, logitsOf, maxRelativeError } from "./hf-test-support.js";
import { loadLlama2c } from "./llama2c.js";
import type { LoadedCheckpoint } from "./types.js";

describe("Q/K permutation into HF's half-RoPE order", () => {
  it("moves rows 2i to i and 2i+1 to i + R/2 inside each head", () => {
    expect(interleavedToHalfOrder(8, 8)).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
    expect(interleavedToHalfOrder(8, 4)).toEqual([0, 2, 1, 3, 4, 5, 6, 7]); // partial rotary: the tail stays
    const rows = Tensor.fromArray(Array.from({ length: 16 * 2 }, (_, i) => Math.floor(i / 2)), [16, 2]); // row r holds r
    const out = permuteInterleavedToHalf(rows, 2, 8, 8).toArray().filter((_, i) => i % 2 === 0);
    expect(out).toEqual([0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15]);
  });
});

describe("splitIntoShards", () => {
  it("packs greedily and gives an oversized tensor its own shard", () => {
    expect(splitIntoShards([5, 5, 5], 10)).toEqual([[0, 1], [2]]);
    expect(splitIntoShards([3, 20, 3], 10)).toEqual([[0], [1], [2]]);
    expect(splitIntoShards([], 10)).toEqual([[]]);
  });
});

describe("mergesFromScores", () => {
  it("ranks every split of a piece by the piece's score", () => {
    const p = (text: string, score: number) => ({ text, score, kind: "normal" as const });
    const merges = mergesFromScores([p("a", 0), p("b", 0), p("c", 0), p("ab", -1), p("bc", -2), p("abc", -3), p("<0x41>", 0)]);
    expect(merges).toEqual([["a", "b"], ["b", "c"], ["a", "bc"], ["ab", "c"]]);
  });
});

const ASSETS = assetsDir();

describe.skipIf(!ASSETS)(ASSETS ? "stories260K exported to a Hugging Face directory" : ASSETS_MISSING, () => {
  let dir: string;
  let source: LoadedCheckpoint;
  let exported: HfDirectoryCheckpoint;
  let warnings: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "sieve-export-"));
    source = await loadLlama2c(join(ASSETS!, "stories260K", "stories260K.bin"), { tokenizer: join(ASSETS!, "stories260K", "tok512.bin") });
    warnings = (await writeHfDirectory(dir, source)).warnings;
    exported = await loadHfDirectory(dir);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reloads as a half-RoPE model that gives the same logits", () => {
    expect(source.config.rope.style).toBe("interleaved");
    expect(exported.config).toEqual({ ...source.config, rope: { ...source.config.rope, style: "half" } });
    expect(warnings).toEqual([]);
    const prompt = source.tokenizer!.encode("Once upon a time, there was a little girl named Lily. She loved to play");
    expect(prompt.length).toBeGreaterThan(10);
    const error = maxRelativeError(logitsOf(source, prompt), logitsOf(exported, prompt));
    expect(error).toBeLessThan(1e-5);
    // The permutation is real: the Q rows moved.
    const q = hfNames.layer(0).q;
    expect(exported.weights.get(q)!.toArray()).not.toEqual(source.weights.get(q)!.toArray());
  });

  it("writes a tokenizer.json that encodes and decodes exactly like tokenizer.bin", async () => {
    const reference = source.tokenizer!;
    const hf = exported.tokenizer!;
    expect(hf.kind).toBe("hf");
    expect(hf.vocabSize).toBe(reference.vocabSize);
    const library = new HfLibraryTokenizer(
      JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")),
      JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")),
    );
    const stories = readFileSync(join(ASSETS!, "data", "tinystories-valid-46.txt"), "utf8").split("<|endoftext|>");
    const wiki = readFileSync(join(ASSETS!, "data", "wikitext2-test.raw"), "utf8").split("\n").slice(0, 600);
    const tricky = ["", " ", "  two  spaces ", "\n\nnew lines\n", "héllo wörld ñ", "日本語のテキスト", "emoji 🤖🎉 done", "tab\tand\u00a0nbsp", "Lily's \"quote\""];
    let compared = 0;
    for (const text of [...tricky, ...stories, ...wiki]) {
      const want = reference.encode(text);
      expect(hf.encode(text), JSON.stringify(text.slice(0, 80))).toEqual(want);
      expect(library.encode(text).ids, JSON.stringify(text.slice(0, 80))).toEqual(want);
      expect(hf.decode(want)).toBe(reference.decode(want));
      compared += want.length;
    }
    expect(compared).toBeGreaterThan(50_000);
  });
});

describe.skipIf(!ASSETS)(ASSETS ? "stories260K GGUF exported to a Hugging Face directory" : ASSETS_MISSING, () => {
  it("gives the same logits after the export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sieve-export-gguf-"));
    try {
      const source = await loadGguf(join(ASSETS!, "stories260K", "stories260Ktok512.gguf"));
      const { warnings } = await writeHfDirectory(dir, source, { shardBytes: 300_000 });
      const exported = await loadHfDirectory(dir);
      const prompt = [1, 403, 407, 261, 378, 67, 300, 32, 95];
      expect(maxRelativeError(logitsOf(source, prompt), logitsOf(exported, prompt))).toBeLessThan(1e-5);
      // The GGUF vocabulary exports once its tokenizer exposes score(id); until then, a warning says why not.
      if (typeof (source.tokenizer as { score?: unknown }).score === "function") {
        const text = "Once upon a time, Tom saw a big red ball. \"Wow!\" he said. 日本 🤖 <s> end";
        expect(exported.tokenizer!.encode(text)).toEqual(source.tokenizer!.encode(text));
      } else {
        expect(warnings.join()).toMatch(/score\(id\)/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
