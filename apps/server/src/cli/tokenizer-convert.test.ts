import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { haveAssets, onlyJson, sieve, STORIES_BIN, STORIES_GGUF, tempDir, TINYSTORIES_TEXT } from "./cli.fixture.js";

const STORIES_DIR = join(STORIES_BIN, "..");
const calib = ["--calib-generate", "4", "--seq-len", "64"];
const PROMPT = "Once upon a time, Lily said \"héllo 😀\"  to  a dog.";

/**
 * Tokenizers travel with every checkpoint the offline tools write, --tokenizer takes every
 * tokenizer format, and convert re-exports pruned (packed) checkpoints. stories260K: the model
 * .bin finds tok512.bin beside it, so no --tokenizer is given anywhere below.
 */
describe.skipIf(!haveAssets())("tokenizers and packed checkpoints through prune, calibrate and convert (stories260K)", () => {
  let dir = "";
  let pruned = "";
  let sourceEval: Record<string, unknown>;
  let sourcePromptIds: unknown;
  const greedy = ["generate", "--prompt", PROMPT, "--max-tokens", "12", "--temperature", "0", "--json"];
  let evalArgs: string[] = [];

  beforeAll(async () => {
    dir = await tempDir("tokconv");
    pruned = join(dir, "pruned");
    // A few stories keep the many evaluations below quick on the reference backend too.
    const text = join(dir, "stories.txt");
    writeFileSync(text, readFileSync(TINYSTORIES_TEXT, "utf8").split("<|endoftext|>").slice(0, 3).join("<|endoftext|>"));
    evalArgs = ["eval", "--data", text, "--json"];
    const run = await sieve("prune", "--model", STORIES_BIN, "--method", "magnitude", "--pattern", "2:4", "--out", pruned, "--json");
    expect(run.code, run.stderr).toBe(0);
    sourceEval = onlyJson(await sieve(...evalArgs, "--model", STORIES_BIN));
    sourcePromptIds = onlyJson(await sieve(...greedy, "--model", STORIES_BIN)).prompt_ids;
  }, 120_000);

  it("prune writes the llama2.c tokenizer into the directory: generate and eval need no --tokenizer and tokenize the same", async () => {
    expect(existsSync(join(pruned, "tokenizer.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(pruned, "tokenizer_config.json"), "utf8"))).toMatchObject({ add_bos_token: true, bos_token: "<s>", eos_token: "</s>" });
    const generated = onlyJson(await sieve(...greedy, "--model", pruned));
    expect(generated.prompt_ids).toEqual(sourcePromptIds);
    const evaluated = onlyJson(await sieve(...evalArgs, "--model", pruned));
    expect(evaluated.tokens).toBe(sourceEval.tokens);
  });

  it("convert --to gguf densifies a packed checkpoint (saying so) and computes the same model", async () => {
    const gguf = join(dir, "pruned.gguf");
    const run = await sieve("convert", "--model", pruned, "--to", "gguf", "--out", gguf, "--json");
    expect(run.code, run.stderr).toBe(0);
    expect(onlyJson(run)).toMatchObject({ packed: "densified", warnings: [] });
    expect(run.stderr).toMatch(/GGUF has no sparse format: 35 packed \(pruned\) weights are written as dense tensors/);
    const fromPacked = onlyJson(await sieve(...greedy, "--model", pruned));
    const fromGguf = onlyJson(await sieve(...greedy, "--model", gguf));
    expect(fromGguf.prompt_ids).toEqual(fromPacked.prompt_ids);
    expect(fromGguf.token_ids).toEqual(fromPacked.token_ids);
    const nllPacked = onlyJson(await sieve(...evalArgs, "--model", pruned));
    const nllGguf = onlyJson(await sieve(...evalArgs, "--model", gguf));
    expect(nllGguf.tokens).toBe(nllPacked.tokens);
    expect(nllGguf.nll as number).toBeCloseTo(nllPacked.nll as number, 5);
  });

  it("convert --to hf keeps a packed checkpoint packed, or densifies it with --densify", async () => {
    const kept = join(dir, "kept");
    const keptRun = await sieve("convert", "--model", pruned, "--to", "hf", "--out", kept, "--json");
    expect(keptRun.code, keptRun.stderr).toBe(0);
    expect(onlyJson(keptRun)).toMatchObject({ packed: "kept" });
    expect(onlyJson(keptRun).files).toContain("tokenizer.json");
    expect(JSON.stringify(onlyJson(await sieve("inspect", "--model", kept, "--json")))).toContain("nm-2:4");

    const dense = join(dir, "dense");
    const denseRun = await sieve("convert", "--model", pruned, "--to", "hf", "--densify", "--out", dense, "--json");
    expect(denseRun.code, denseRun.stderr).toBe(0);
    expect(onlyJson(denseRun)).toMatchObject({ packed: "densified" });
    expect(JSON.stringify(onlyJson(await sieve("inspect", "--model", dense, "--json")))).not.toContain("nm-2:4");

    const nll = async (model: string) => onlyJson(await sieve(...evalArgs, "--model", model)).nll as number;
    const reference = await nll(pruned);
    expect(await nll(kept)).toBeCloseTo(reference, 5);
    expect(await nll(dense)).toBeCloseTo(reference, 5);
  });

  it("calibrate writes the tokenizer too", async () => {
    const out = join(dir, "teal");
    const run = await sieve("calibrate", "teal", "--model", STORIES_BIN, "--sparsity", "0.3", ...calib, "--out", out, "--json");
    expect(run.code, run.stderr).toBe(0);
    expect(onlyJson(run).files).toContain("tokenizer.json");
    expect(onlyJson(await sieve(...greedy, "--model", out)).prompt_ids).toEqual(sourcePromptIds);
  });

  it("--tokenizer takes a .gguf's vocabulary and a SentencePiece .model", async () => {
    for (const tokenizer of [STORIES_GGUF, join(STORIES_DIR, "tok512.model")]) {
      const run = await sieve(...greedy, "--model", STORIES_BIN, "--tokenizer", tokenizer);
      expect(run.code, run.stderr).toBe(0);
      expect(onlyJson(run).prompt_ids).toEqual(sourcePromptIds);
    }
  });

  it("convert --to gguf embeds the vocabulary of any tokenizer (here a .model given with --tokenizer)", async () => {
    const gguf = join(dir, "from-model.gguf");
    const run = await sieve("convert", "--model", STORIES_BIN, "--tokenizer", join(STORIES_DIR, "tok512.model"), "--to", "gguf", "--out", gguf, "--json");
    expect(run.code, run.stderr).toBe(0);
    expect(onlyJson(run).warnings).toEqual([]);
    expect(onlyJson(await sieve(...greedy, "--model", gguf)).prompt_ids).toEqual(sourcePromptIds);
  });
});
