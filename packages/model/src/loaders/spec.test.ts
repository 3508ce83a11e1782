import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hfNames } from "../arch/weights.js";
import { writeHfDirectory } from "./hf-export.js";
import { ASSETS_MISSING, assetsDir } from "./hf-test-support.js";
import { FakeHub } from "./hub-test-server.js";
import { loadCheckpoint, ModelSpecError, resolveModelSpec } from "./spec.js";
import { synthCheckpoint } from "./synth.js";

describe("resolveModelSpec / loadCheckpoint", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sieve-spec-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("builds synthetic checkpoints from synth:PRESET[:dtype]", async () => {
    const ck = await loadCheckpoint("synth:test-tiny:f16");
    expect(ck.format).toBe("synth");
    expect(ck.weights.get(hfNames.embed)!.dtype).toBe("f16");
    expect((await resolveModelSpec("synth:test-tiny")).dtype).toBe("f32");
    await expect(resolveModelSpec("synth:test-tiny:f8")).rejects.toThrow(/synth:test-tiny:f8: unknown dtype "f8"/);
    await expect(loadCheckpoint("synth:no-such-preset")).rejects.toThrow(/no-such-preset/);
  });

  it("loads an HF directory, also when the spec names a file inside it", async () => {
    const out = join(dir, "hf");
    const source = synthCheckpoint("test-tiny", "f32", 1);
    await writeHfDirectory(out, source);
    for (const spec of [out, join(out, "config.json"), join(out, "model.safetensors")]) {
      const resolved = await resolveModelSpec(spec);
      expect(resolved).toMatchObject({ kind: "hf-dir", path: out });
    }
    const ck = await loadCheckpoint(out);
    expect(ck.format).toBe("hf-dir");
    expect(ck.weights.get(hfNames.embed)!.toArray()).toEqual(source.weights.get(hfNames.embed)!.toArray());
  });

  it("finds a llama2.c model's tokenizer beside it, unless one is given", async () => {
    const d = join(dir, "l2c");
    mkdirSync(d);
    writeFileSync(join(d, "model.bin"), new Uint8Array(28));
    writeFileSync(join(d, "tok99.bin"), new Uint8Array(4));
    expect(await resolveModelSpec(join(d, "model.bin"))).toMatchObject({ kind: "llama2c", tokenizer: join(d, "tok99.bin") });
    expect(await resolveModelSpec(join(d, "model.bin"), { tokenizer: "/x/t.bin" })).toMatchObject({ tokenizer: "/x/t.bin" });
    writeFileSync(join(d, "tok100.bin"), new Uint8Array(4));
    await expect(resolveModelSpec(join(d, "model.bin"))).rejects.toThrow(/several tokenizers.*tok100\.bin, tok99\.bin/);
    writeFileSync(join(d, "tokenizer.bin"), new Uint8Array(4));
    expect((await resolveModelSpec(join(d, "model.bin"))).tokenizer).toBe(join(d, "tokenizer.bin"));
  });

  it("explains unknown formats and missing files, naming the spec", async () => {
    const missing = join(dir, "nope.gguf");
    const error = await resolveModelSpec(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelSpecError);
    expect((error as Error).message).toMatch(new RegExp(`^${missing}: no such file`));
    writeFileSync(join(dir, "notes.txt"), "hello");
    await expect(resolveModelSpec(join(dir, "notes.txt"))).rejects.toThrow(/notes\.txt: unknown model format/);
    writeFileSync(join(dir, "pytorch_model.bin"), Buffer.from("PK\u0003\u0004rest", "latin1"));
    await expect(resolveModelSpec(join(dir, "pytorch_model.bin"))).rejects.toThrow(/PyTorch pickle/);
    const bare = join(dir, "bare");
    mkdirSync(bare);
    writeFileSync(join(bare, "m.gguf"), "GGUF");
    await expect(resolveModelSpec(bare)).rejects.toThrow(/no config\.json.*m\.gguf/);
    await expect(resolveModelSpec("hf:bad")).rejects.toThrow(/hf:bad/);
  });

  describe("hf: specs against a local hub", () => {
    let hub: FakeHub;
    let home: string;
    beforeAll(async () => {
      hub = await FakeHub.start();
      home = mkdtempSync(join(tmpdir(), "sieve-spec-hfhome-"));
    });
    afterAll(async () => {
      await hub.close();
      rmSync(home, { recursive: true, force: true });
    });

    it("downloads an HF checkpoint and loads it", async () => {
      const out = join(dir, "to-serve");
      const source = synthCheckpoint("test-tiny", "bf16", 2);
      source.metadata.sieve = '{"method":"magnitude"}';
      await writeHfDirectory(out, source);
      const files = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f))]));
      hub.addRepo("sieve/tiny", files);
      const options = { env: { HF_HOME: home, HF_ENDPOINT: hub.url }, retryDelayMs: 1 };
      const resolved = await resolveModelSpec("hf:sieve/tiny", options);
      expect(resolved.kind).toBe("hf-dir");
      expect(resolved.path).toBe(resolved.hub!.dir);
      const ck = await loadCheckpoint("hf:sieve/tiny", options);
      expect(ck.metadata.sieve).toBe('{"method":"magnitude"}');
      expect(ck.weights.get(hfNames.embed)!.toArray()).toEqual(source.weights.get(hfNames.embed)!.toArray());
    });
  });
});

const ASSETS = assetsDir();

describe.skipIf(!ASSETS)(ASSETS ? "specs of the stories260K files" : ASSETS_MISSING, () => {
  it("loads the llama2.c .bin with the tok512.bin beside it, and the GGUF", async () => {
    const bin = await loadCheckpoint(join(ASSETS!, "stories260K", "stories260K.bin"));
    expect(bin.format).toBe("llama2c");
    expect(bin.tokenizer?.kind).toBe("llama2c");
    expect(bin.tokenizer?.vocabSize).toBe(512);
    const gguf = await loadCheckpoint(join(ASSETS!, "stories260K", "stories260Ktok512.gguf"));
    expect(gguf.format).toBe("gguf");
    expect(gguf.tokenizer?.vocabSize).toBe(512);
  });

  it("downloads a named GGUF file from a local hub and loads it", async () => {
    const hub = await FakeHub.start();
    const home = mkdtempSync(join(tmpdir(), "sieve-spec-hfhome-"));
    try {
      hub.addRepo("karpathy/stories", { "README.md": "x", "stories260Ktok512.gguf": readFileSync(join(ASSETS!, "stories260K", "stories260Ktok512.gguf")) });
      const ck = await loadCheckpoint("hf:karpathy/stories/stories260Ktok512.gguf", { env: { HF_HOME: home, HF_ENDPOINT: hub.url } });
      expect(ck.format).toBe("gguf");
      expect(ck.config.nLayers).toBe(5);
    } finally {
      await hub.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
