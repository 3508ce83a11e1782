import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { onlyJson, sieve, tempDir } from "./cli.fixture.js";

/**
 * The round trip of the offline tools: synth writes a real HF directory, convert turns it into a
 * GGUF file (and back into HF in another dtype), and every form computes the same model.
 */
describe("sieve synth + convert round trip (test-tiny)", () => {
  let dir = "";
  let hfDir = "";
  let gguf = "";
  let text = "";

  beforeAll(async () => {
    dir = await tempDir("synth");
    hfDir = join(dir, "hf");
    gguf = join(dir, "tiny.gguf");
    text = join(dir, "text.txt");
    await writeFile(text, "the quick brown fox jumps over the lazy dog.<|endoftext|>a second, shorter document.");
  });

  it("synth writes a Hugging Face directory", async () => {
    const out = onlyJson(await sieve("synth", "test-tiny", "--dtype", "f32", "--out", hfDir, "--seed", "3", "--json"));
    expect(out).toMatchObject({ preset: "test-tiny", dtype: "f32", seed: 3 });
    expect(out.files).toEqual(["model.safetensors"]);
    for (const f of ["config.json", "generation_config.json", "model.safetensors"]) expect(existsSync(join(hfDir, f))).toBe(true);
  });

  it("convert writes a GGUF that generates the same greedy tokens and scores the same NLL", async () => {
    const converted = await sieve("convert", "--model", hfDir, "--to", "gguf", "--out", gguf, "--json");
    expect(converted.code).toBe(0);
    expect(onlyJson(converted)).toMatchObject({ to: "gguf", out: gguf });
    expect(existsSync(gguf)).toBe(true);

    const greedy = ["generate", "--prompt-ids", "1,72,101,108,108,111", "--max-tokens", "24", "--temperature", "0", "--json"];
    const fromHf = onlyJson(await sieve(...greedy, "--model", hfDir));
    const fromGguf = onlyJson(await sieve(...greedy, "--model", gguf));
    expect((fromHf.token_ids as number[]).length).toBeGreaterThan(0);
    expect(fromGguf.token_ids).toEqual(fromHf.token_ids);

    const evalArgs = ["eval", "--data", text, "--json"];
    const nllHf = onlyJson(await sieve(...evalArgs, "--model", hfDir));
    const nllGguf = onlyJson(await sieve(...evalArgs, "--model", gguf));
    expect(nllGguf.tokens).toBe(nllHf.tokens);
    expect(nllGguf.nll as number).toBeCloseTo(nllHf.nll as number, 5);
  });

  it("convert --to hf --dtype f16 writes a checkpoint that stays close to the f32 one", async () => {
    const f16Dir = join(dir, "hf-f16");
    const run = await sieve("convert", "--model", gguf, "--to", "hf", "--dtype", "f16", "--out", f16Dir, "--json");
    expect(run.code).toBe(0);
    const cmp = onlyJson(await sieve("eval", "--model", hfDir, "--compare", f16Dir, "--data", text, "--json"));
    expect(cmp.kl as number).toBeLessThan(1e-3);
    expect(cmp.top1_agreement as number).toBeGreaterThan(0.9);
  });

  it("synth models without a tokenizer generate text through the byte tokenizer, with a warning", async () => {
    const run = await sieve("generate", "--model", "synth:test-tiny", "--prompt", "hi", "--max-tokens", "5", "--seed", "1", "--json");
    expect(run.code).toBe(0);
    expect(onlyJson(run).token_ids).toHaveLength(5);
  });
});
