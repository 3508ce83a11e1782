import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { f16BitsToF32, f32ToF16Bits, Rng, Tensor } from "@sieve/core";
import { LlamaModel } from "../arch/llama.js";
import { hfNames } from "../arch/weights.js";
import { CheckpointFormatError } from "./format-error.js";
import { loadGguf } from "./gguf.js";
import { writeGgufFile, type GgufTensorToWrite } from "./gguf-encode.js";
import { GGML_TYPE, permuteRopeRows, Q8_0_BLOCK_BYTES } from "./gguf-format.js";
import { shortestFloat32 } from "./gguf-metadata.js";
import { ggufMetadataOf, ggufTensorsOf, writeGguf } from "./gguf-writer.js";
import { synthCheckpoint } from "./synth.js";
import type { LoadedCheckpoint } from "./types.js";

function bits(t: Tensor): Buffer {
  const d = t.contiguousData() as Float32Array | Uint16Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** Logits of every position of a short prompt, copied out of the model's scratch. */
function promptLogits(ck: LoadedCheckpoint, tokens: number[]): Float32Array {
  const model = new LlamaModel(ck.config, ck.weights);
  const pages = Math.ceil(tokens.length / 16);
  const kv = model.createKvCache(pages);
  const logits = model.forward(
    {
      tokens: Int32Array.from(tokens),
      positions: Int32Array.from(tokens, (_, i) => i),
      tokenSeq: new Int32Array(tokens.length),
      blockTable: Int32Array.from({ length: pages }, (_, i) => i),
      maxPagesPerSeq: pages,
      logitRows: Int32Array.from(tokens, (_, i) => i),
    },
    kv,
  );
  return logits.slice();
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

describe("permuteRopeRows", () => {
  it("moves half-style pairs (i, i + R/2) to adjacent rows, as llama.cpp's permute, and back", () => {
    // 2 heads of 4 rows, 1 column: rows named by their index.
    const rows = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const interleaved = permuteRopeRows(rows, 1, 2, 4, 4, "half", "interleaved");
    expect([...interleaved]).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    expect([...permuteRopeRows(interleaved, 1, 2, 4, 4, "interleaved", "half")]).toEqual([...rows]);
    // Partial rotary (R = 4 of headDim 6): the last two rows of each head stay put.
    expect([...permuteRopeRows(Float32Array.from([0, 1, 2, 3, 4, 5]), 1, 1, 6, 4, "half", "interleaved")]).toEqual([0, 2, 1, 3, 4, 5]);
  });
});

describe("shortestFloat32", () => {
  it("reads f32 metadata back as the decimal it was written from", () => {
    expect(shortestFloat32(Math.fround(1e-5))).toBe(1e-5);
    expect(shortestFloat32(Math.fround(1e-6))).toBe(1e-6);
    expect(shortestFloat32(Math.fround(500000))).toBe(500000);
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
  });
});

describe("GGUF writer and loader", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sieve-gguf-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const dtype of ["f32", "f16", "bf16"] as const) {
    it(`round-trips an HF-layout (${dtype}) checkpoint: Q/K permuted to interleaved, the same model`, async () => {
      const source = synthCheckpoint("test-tiny", dtype, 11);
      const path = join(dir, `tiny-${dtype}.gguf`);
      await writeGguf(path, source);
      const loaded = await loadGguf(path);
      expect(loaded.format).toBe("gguf");
      expect(loaded.tokenizer).toBeUndefined();
      expect(loaded.config).toEqual({ ...source.config, rope: { ...source.config.rope, style: "interleaved" } });
      expect([...loaded.weights.keys()].sort()).toEqual([...source.weights.keys()].sort());
      const c = source.config;
      for (const [name, t] of source.weights) {
        const got = loaded.weights.get(name)!;
        expect(got.dtype).toBe(dtype);
        expect(got.shape).toEqual(t.shape);
        const heads = name.includes(".q_proj.") ? c.nHeads : name.includes(".k_proj.") ? c.nKvHeads : 0;
        const want = heads
          ? Buffer.from(permuteRopeRows(t.contiguousData() as Float32Array, c.dim, heads, c.headDim, c.headDim, "half", "interleaved").buffer)
          : bits(t);
        expect(bits(got).equals(want), name).toBe(true);
      }
      // Same model: only the summation order inside q.k differs.
      const tokens = [1, 40, 99, 200, 7, 7, 13];
      expect(relativeError(promptLogits(loaded, tokens), promptLogits(source, tokens))).toBeLessThan(1e-5);
    });
  }

  it("round-trips attention biases: q/k biases permuted with their rows, the same model", async () => {
    const source = synthCheckpoint("test-tiny", "f32", 12);
    source.config = { ...source.config, qkvBias: true, oBias: true };
    const c = source.config;
    const rng = new Rng(3);
    for (let i = 0; i < c.nLayers; i++) {
      const n = hfNames.layer(i);
      source.weights.set(n.qBias, Tensor.randn([c.nHeads * c.headDim], rng, 0.5));
      source.weights.set(n.kBias, Tensor.randn([c.nKvHeads * c.headDim], rng, 0.5));
      source.weights.set(n.vBias, Tensor.randn([c.nKvHeads * c.headDim], rng, 0.5));
      source.weights.set(n.oBias, Tensor.randn([c.dim], rng, 0.5));
    }
    const path = join(dir, "biased.gguf");
    await writeGguf(path, source);
    const loaded = await loadGguf(path);
    expect(loaded.config).toEqual({ ...c, rope: { ...c.rope, style: "interleaved" } });
    const n = hfNames.layer(1);
    const qBias = source.weights.get(n.qBias)!.contiguousData() as Float32Array;
    expect([...loaded.weights.get(n.qBias)!.toFloat32()]).toEqual([...permuteRopeRows(qBias, 1, c.nHeads, c.headDim, c.headDim, "half", "interleaved")]);
    expect(bits(loaded.weights.get(n.oBias)!).equals(bits(source.weights.get(n.oBias)!))).toBe(true);
    const tokens = [1, 5, 250, 31];
    expect(relativeError(promptLogits(loaded, tokens), promptLogits(source, tokens))).toBeLessThan(1e-5);
  });

  it("writes no output.weight for tied models and loads them as tied", async () => {
    const source = synthCheckpoint("test-tiny", "f32", 1);
    source.config = { ...source.config, tiedEmbeddings: true };
    source.weights.delete(hfNames.lmHead);
    const path = join(dir, "tied.gguf");
    await writeGguf(path, source);
    const loaded = await loadGguf(path);
    expect(loaded.config.tiedEmbeddings).toBe(true);
    expect(loaded.weights.has(hfNames.lmHead)).toBe(false);
  });

  it("dequantizes Q8_0 to f16 and says so in the metadata", async () => {
    const source = synthCheckpoint("test-tiny", "f32", 2);
    const tensors = ggufTensorsOf(source);
    const q = tensors.findIndex((t) => t.name === "blk.0.attn_q.weight");
    const numel = 64 * 64;
    const blocks = new Uint8Array((numel / 32) * Q8_0_BLOCK_BYTES);
    const view = new DataView(blocks.buffer);
    const expected = new Float32Array(numel);
    for (let b = 0; b < numel / 32; b++) {
      const scale = f16BitsToF32(f32ToF16Bits(0.001 * (1 + (b % 7))));
      view.setUint16(b * Q8_0_BLOCK_BYTES, f32ToF16Bits(scale), true);
      for (let i = 0; i < 32; i++) {
        const v = ((b * 31 + i * 17) % 255) - 127;
        view.setInt8(b * Q8_0_BLOCK_BYTES + 2 + i, v);
        expected[b * 32 + i] = f16BitsToF32(f32ToF16Bits(scale * v));
      }
    }
    tensors[q] = { name: "blk.0.attn_q.weight", ggmlType: GGML_TYPE.Q8_0, dims: [64, 64], byteLength: blocks.length, bytes: () => blocks };
    const path = join(dir, "q8.gguf");
    await writeGgufFile(path, ggufMetadataOf(source), tensors);
    const loaded = await loadGguf(path);
    expect(loaded.metadata["gguf.dequantized"]).toBe("Q8_0->f16");
    const w = loaded.weights.get(hfNames.layer(0).q)!;
    expect(w.dtype).toBe("f16");
    expect(w.shape).toEqual([64, 64]);
    expect([...w.toFloat32()]).toEqual([...expected]);
  });

  describe("malformed files name the file, the field and the byte offset", () => {
    const expectError = async (path: string, pattern: RegExp): Promise<CheckpointFormatError> => {
      const error = await loadGguf(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointFormatError);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(pattern);
      return error as CheckpointFormatError;
    };
    const withTensor = async (name: string, replace: (t: GgufTensorToWrite[]) => GgufTensorToWrite[]): Promise<string> => {
      const source = synthCheckpoint("test-tiny", "f32", 3);
      const path = join(dir, name);
      await writeGgufFile(path, ggufMetadataOf(source), replace(ggufTensorsOf(source)));
      return path;
    };

    it("bad magic", async () => {
      const path = join(dir, "bad-magic.gguf");
      await writeFile(path, Buffer.from("GGML\x03\x00\x00\x00 and then some bytes"));
      const e = await expectError(path, /magic at byte 0: expected "GGUF" \(47 47 55 46\), found 47 47 4d 4c/);
      expect(e.field).toBe("magic");
      expect(e.offset).toBe(0);
    });
    it("an unsupported GGUF version", async () => {
      const path = join(dir, "v9.gguf");
      await writeFile(path, Buffer.from("GGUF\x09\x00\x00\x00\x00\x00\x00\x00"));
      await expectError(path, /version at byte 4: GGUF version 9 is not supported/);
    });
    it("an unsupported quantization type, naming the tensor and the type", async () => {
      const path = await withTensor("q4.gguf", (tensors) =>
        tensors.map((t) => (t.name === "blk.1.ffn_down.weight" ? { ...t, ggmlType: 2, byteLength: (64 * 160 * 18) / 32, bytes: () => new Uint8Array((64 * 160 * 18) / 32) } : t)),
      );
      await expectError(path, /blk\.1\.ffn_down\.weight: tensor type Q4_0 is not supported \(supported: F32, F16, BF16, and Q8_0/);
    });
    it("a missing tensor", async () => {
      const path = await withTensor("missing.gguf", (tensors) => tensors.filter((t) => t.name !== "blk.1.ffn_up.weight"));
      await expectError(path, /model\.layers\.1\.mlp\.up_proj\.weight: the model needs this tensor but the file has none/);
    });
    it("a tensor the model would ignore", async () => {
      const path = await withTensor("extra.gguf", (tensors) => [...tensors, { ...tensors.find((t) => t.name === "blk.1.ffn_up.weight")!, name: "blk.2.ffn_up.weight" }]);
      await expectError(path, /blk\.2\.ffn_up\.weight: unexpected tensor for a 2-layer LlamaForCausalLM/);
    });
    it("a tensor with no Hugging Face counterpart", async () => {
      const path = await withTensor("rope-freqs.gguf", (tensors) => [...tensors, { ...tensors.find((t) => t.name === "output_norm.weight")!, name: "rope_freqs.weight" }]);
      await expectError(path, /rope_freqs\.weight: unknown tensor \(per-frequency RoPE factors/);
    });
    it("a wrong shape", async () => {
      const path = await withTensor("shape.gguf", (tensors) => tensors.map((t) => (t.name === "output_norm.weight" ? { ...t, dims: [32, 2] } : t)));
      await expectError(path, /output_norm\.weight: shape \[2, 32\] \(GGUF dims \[32, 2\]\) does not match the expected \[64\]/);
    });
    it("truncated tensor data", async () => {
      const good = join(dir, "good.gguf");
      await writeGguf(good, synthCheckpoint("test-tiny", "f32", 4));
      const bytes = await readFile(good);
      const path = join(dir, "truncated.gguf");
      await writeFile(path, bytes.subarray(0, bytes.length - 5000));
      await expectError(path, /output\.weight at byte \d+: the tensor's 65536 bytes run past the end of the \d+-byte file/);
    });
    it("a truncated header", async () => {
      const good = join(dir, "good.gguf");
      const bytes = await readFile(good);
      const path = join(dir, "truncated-header.gguf");
      await writeFile(path, bytes.subarray(0, 200));
      await expectError(path, /header( at byte 200)?: the (GGUF header could not be parsed|file ends inside the GGUF header)/);
    });
    it("an unsupported architecture", async () => {
      const source = synthCheckpoint("test-tiny", "f32", 3);
      const kvs = ggufMetadataOf(source).map(([k, v]): [string, typeof v] => (k === "general.architecture" ? [k, { type: "string", value: "gpt2" }] : [k, v]));
      const path = join(dir, "gpt2.gguf");
      await writeGgufFile(path, kvs, ggufTensorsOf(source));
      await expectError(path, /general\.architecture: unsupported architecture "gpt2" \(supported: llama, mistral, qwen2\)/);
    });
  });
});
