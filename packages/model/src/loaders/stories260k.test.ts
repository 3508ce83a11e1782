/**
 * The real trained stories260K model, as llama2.c .bin and as GGUF, through both loaders, the GGUF
 * writer, LlamaModel and an independent float64 reference forward written here.
 */
import { existsSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "@sieve/core";
import type { ModelConfig } from "../arch/config.js";
import { LlamaModel } from "../arch/llama.js";
import { hfNames } from "../arch/weights.js";
import { readGgufVocabulary } from "../tokenizer/gguf-vocab.js";
import { loadGguf, readGgufHeader, type GgufHeader } from "./gguf.js";
import { writeGguf } from "./gguf-writer.js";
import { loadLlama2c } from "./llama2c.js";
import type { LoadedCheckpoint } from "./types.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const assets = process.env.SIEVE_ASSETS ?? resolve(repoRoot, "../shared/assets");
const BIN = join(assets, "stories260K/stories260K.bin");
const GGUF = join(assets, "stories260K/stories260Ktok512.gguf");
const TOKENIZER = join(assets, "stories260K/tok512.bin");
const haveAssets = existsSync(BIN) && existsSync(GGUF) && existsSync(TOKENIZER);
const skipNote = haveAssets ? "" : ` (SKIPPED: ${BIN} not found; set SIEVE_ASSETS to the shared assets folder)`;

function bits(t: Tensor): Buffer {
  const d = t.contiguousData() as Float32Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

function expectSameWeights(a: Map<string, Tensor>, b: Map<string, Tensor>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.dtype, name).toBe(t.dtype);
    expect(u.shape, name).toEqual(t.shape);
    expect(bits(u).equals(bits(t)), name).toBe(true);
  }
}

/** A single sequence over pages 0..n-1 of a fresh cache: prefill, then one token per step. */
class Session {
  private readonly kv;
  private readonly pages: number;
  private position = 0;
  constructor(private readonly model: LlamaModel, maxTokens: number) {
    this.pages = Math.ceil(maxTokens / 16);
    this.kv = model.createKvCache(this.pages);
  }
  /** Feeds tokens; returns the logits of every fed position, [tokens.length * vocab]. */
  feed(tokens: number[]): Float32Array {
    const start = this.position;
    this.position += tokens.length;
    return this.model
      .forward(
        {
          tokens: Int32Array.from(tokens),
          positions: Int32Array.from(tokens, (_, i) => start + i),
          tokenSeq: new Int32Array(tokens.length),
          blockTable: Int32Array.from({ length: this.pages }, (_, i) => i),
          maxPagesPerSeq: this.pages,
          logitRows: Int32Array.from(tokens, (_, i) => i),
        },
        this.kv,
      )
      .slice();
  }
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function greedy(model: LlamaModel, first: number, steps: number): number[] {
  const session = new Session(model, steps + 1);
  const out: number[] = [];
  let token = first;
  for (let i = 0; i < steps; i++) {
    token = argmax(session.feed([token]));
    out.push(token);
  }
  return out;
}

/**
 * The transformer written out naively in float64, one position at a time: RMSNorm, interleaved
 * RoPE (pairs 2i, 2i+1 rotated by pos * theta^(-2i/headDim)), causal GQA attention, SwiGLU MLP,
 * final norm and the (tied) head. No shared code with LlamaModel or the kernels.
 */
function referenceLogits(c: ModelConfig, weights: Map<string, Tensor>, tokens: number[]): Float64Array[] {
  const w = (name: string): Float32Array => weights.get(name)!.toFloat32();
  const matvec = (m: Float32Array, rows: number, cols: number, x: Float64Array): Float64Array => {
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += m[r * cols + k]! * x[k]!;
      y[r] = s;
    }
    return y;
  };
  const rmsNorm = (x: Float64Array, g: Float32Array): Float64Array => {
    let ss = 0;
    for (const v of x) ss += v * v;
    const inv = 1 / Math.sqrt(ss / x.length + c.normEps);
    return x.map((v, i) => v * inv * g[i]!);
  };
  const rope = (v: Float64Array, heads: number, pos: number): void => {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < c.headDim / 2; i++) {
        const angle = pos * Math.pow(c.rope.theta, (-2 * i) / c.headDim);
        const a = v[h * c.headDim + 2 * i]!;
        const b = v[h * c.headDim + 2 * i + 1]!;
        v[h * c.headDim + 2 * i] = a * Math.cos(angle) - b * Math.sin(angle);
        v[h * c.headDim + 2 * i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
      }
    }
  };
  const embed = w(hfNames.embed);
  const head = c.tiedEmbeddings ? embed : w(hfNames.lmHead);
  const layers = Array.from({ length: c.nLayers }, (_, i) => {
    const n = hfNames.layer(i);
    return { attnNorm: w(n.attnNorm), q: w(n.q), k: w(n.k), v: w(n.v), o: w(n.o), mlpNorm: w(n.mlpNorm), gate: w(n.gate), up: w(n.up), down: w(n.down) };
  });
  const qDim = c.nHeads * c.headDim;
  const kvDim = c.nKvHeads * c.headDim;
  const keys: Float64Array[][] = layers.map(() => []);
  const values: Float64Array[][] = layers.map(() => []);
  const out: Float64Array[] = [];
  tokens.forEach((token, pos) => {
    const x = Float64Array.from(embed.subarray(token * c.dim, (token + 1) * c.dim));
    layers.forEach((L, l) => {
      const h = rmsNorm(x, L.attnNorm);
      const q = matvec(L.q, qDim, c.dim, h);
      const k = matvec(L.k, kvDim, c.dim, h);
      rope(q, c.nHeads, pos);
      rope(k, c.nKvHeads, pos);
      keys[l]!.push(k);
      values[l]!.push(matvec(L.v, kvDim, c.dim, h));
      const attn = new Float64Array(qDim);
      for (let hd = 0; hd < c.nHeads; hd++) {
        const kvh = Math.floor(hd / (c.nHeads / c.nKvHeads));
        const scores = keys[l]!.map((kj) => {
          let s = 0;
          for (let d = 0; d < c.headDim; d++) s += q[hd * c.headDim + d]! * kj[kvh * c.headDim + d]!;
          return s / Math.sqrt(c.headDim);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const sum = e.reduce((a, b) => a + b, 0);
        values[l]!.forEach((vj, j) => {
          for (let d = 0; d < c.headDim; d++) attn[hd * c.headDim + d]! += (e[j]! / sum) * vj[kvh * c.headDim + d]!;
        });
      }
      const o = matvec(L.o, c.dim, qDim, attn);
      for (let i = 0; i < c.dim; i++) x[i]! += o[i]!;
      const h2 = rmsNorm(x, L.mlpNorm);
      const g = matvec(L.gate, c.hiddenDim, c.dim, h2);
      const u = matvec(L.up, c.hiddenDim, c.dim, h2);
      const act = g.map((gi, i) => (gi / (1 + Math.exp(-gi))) * u[i]!);
      const down = matvec(L.down, c.dim, c.hiddenDim, act);
      for (let i = 0; i < c.dim; i++) x[i]! += down[i]!;
    });
    out.push(matvec(head, c.vocabSize, c.dim, rmsNorm(x, w(hfNames.finalNorm))));
  });
  return out;
}

/** A tensor's f32 bytes exactly as stored in a GGUF file, read with the header's offsets. */
async function rawTensorBytes(file: string, header: GgufHeader, name: string): Promise<Buffer> {
  const info = header.tensorInfos.find((t) => t.name === name)!;
  const bytes = Buffer.alloc(info.shape.reduce((a, d) => a * Number(d), 1) * 4);
  const handle = await open(file, "r");
  try {
    await handle.read(bytes, 0, bytes.length, header.dataOffset + Number(info.offset));
  } finally {
    await handle.close();
  }
  return bytes;
}

describe.skipIf(!haveAssets)(`stories260K: llama2.c .bin and GGUF${skipNote}`, () => {
  let bin: LoadedCheckpoint;
  let gguf: LoadedCheckpoint;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sieve-stories-"));
    const t0 = performance.now();
    bin = await loadLlama2c(BIN, { tokenizer: TOKENIZER });
    const t1 = performance.now();
    gguf = await loadGguf(GGUF);
    const t2 = performance.now();
    console.log(`[stories260K] load: llama2.c .bin + tok512.bin ${(t1 - t0).toFixed(1)} ms, GGUF ${(t2 - t1).toFixed(1)} ms`);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads the documented config from both files", () => {
    expect(bin.config).toEqual({
      architecture: "LlamaForCausalLM",
      dim: 64,
      hiddenDim: 172,
      nLayers: 5,
      nHeads: 8,
      nKvHeads: 4,
      headDim: 8,
      vocabSize: 512,
      maxSeqLen: 512,
      normEps: 1e-5,
      rope: { theta: 10000, style: "interleaved", rotaryDim: 8 },
      tiedEmbeddings: true,
      qkvBias: false,
      oBias: false,
      hiddenAct: "silu",
      bosTokenId: 1,
      eosTokenIds: [2],
    });
    // The only difference: the GGUF's metadata says context_length 128.
    expect(gguf.config).toEqual({ ...bin.config, maxSeqLen: 128 });
    expect(gguf.metadata["gguf.tied_output"]).toMatch(/bit-identical/);
    expect(gguf.tokenizer?.kind).toBe("gguf-llama");
    expect(bin.tokenizer?.kind).toBe("llama2c");
  });

  it("holds bit-identical tensors in both files; the GGUF's output.weight equals token_embd", async () => {
    expectSameWeights(bin.weights, gguf.weights);
    expect(bin.weights.size).toBe(2 + 9 * 5);
    const header = await readGgufHeader(GGUF);
    const output = await rawTensorBytes(GGUF, header, "output.weight");
    expect(output.equals(await rawTensorBytes(GGUF, header, "token_embd.weight"))).toBe(true);
    expect(output.equals(bits(bin.weights.get(hfNames.embed)!))).toBe(true);
  });

  it("gives identical logits through LlamaModel from either file", () => {
    const prompt = bin.tokenizer!.encode("Once upon a time", { addBos: true });
    expect(gguf.tokenizer!.encode("Once upon a time", { addBos: true })).toEqual(prompt);
    const a = new Session(new LlamaModel(bin.config, bin.weights), prompt.length).feed(prompt);
    const b = new Session(new LlamaModel(gguf.config, gguf.weights), prompt.length).feed(prompt);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it("agrees with a float64 reference forward within 1e-4 relative on a 20-token prompt", () => {
    const text = "Once upon a time, there was a little girl named Lily. She loved to play outside.";
    const prompt = bin.tokenizer!.encode(text, { addBos: true }).slice(0, 20);
    expect(prompt.length).toBe(20);
    expect(prompt[0]).toBe(1);
    const got = new Session(new LlamaModel(bin.config, bin.weights), 20).feed(prompt);
    const want = referenceLogits(bin.config, bin.weights, prompt);
    let diff = 0;
    let scale = 0;
    want.forEach((row, t) =>
      row.forEach((v, i) => {
        diff = Math.max(diff, Math.abs(got[t * 512 + i]! - v));
        scale = Math.max(scale, Math.abs(v));
      }),
    );
    console.log(`[stories260K] LlamaModel vs float64 reference: max |diff| ${diff.toExponential(2)}, max |logit| ${scale.toFixed(2)}, relative ${(diff / scale).toExponential(2)}`);
    expect(diff / scale).toBeLessThan(1e-4);
    // And the model's preferred next tokens are the reference's.
    want.forEach((row, t) => expect(argmax(got.subarray(t * 512, (t + 1) * 512))).toBe(argmax(row)));
  });

  it("continues greedily from BOS, deterministically, the same from either file", () => {
    const fromBin = greedy(new LlamaModel(bin.config, bin.weights), 1, 40);
    expect(greedy(new LlamaModel(bin.config, bin.weights), 1, 40)).toEqual(fromBin);
    expect(greedy(new LlamaModel(gguf.config, gguf.weights), 1, 40)).toEqual(fromBin);
    const text = bin.tokenizer!.decode([1, ...fromBin]);
    expect(gguf.tokenizer!.decode([1, ...fromBin])).toBe(text);
    console.log(`[stories260K] greedy from BOS (40 tokens): ${JSON.stringify(text)}\n  ids: ${fromBin.join(" ")}`);
    expect(text.length).toBeGreaterThan(40);
  });

  it("round-trips .bin -> GGUF -> load to identical tensors and config", async () => {
    const vocab = readGgufVocabulary((await readGgufHeader(GGUF)).values);
    const path = join(dir, "from-bin.gguf");
    await writeGguf(path, bin, { vocab });
    const back = await loadGguf(path);
    expect(back.config).toEqual(bin.config);
    expectSameWeights(bin.weights, back.weights);
    expect(back.tokenizer!.encode("Once upon a time")).toEqual(bin.tokenizer!.encode("Once upon a time"));
  });

  it("rewrites the official GGUF with the same metadata values that matter", async () => {
    const official = await readGgufHeader(GGUF);
    const path = join(dir, "rewritten.gguf");
    await writeGguf(path, gguf, { vocab: readGgufVocabulary(official.values), name: "llama" });
    const rewritten = await readGgufHeader(path);
    const keys = [
      "general.architecture",
      "general.name",
      "llama.context_length",
      "llama.embedding_length",
      "llama.feed_forward_length",
      "llama.attention.head_count",
      "llama.attention.head_count_kv",
      "llama.block_count",
      "llama.rope.dimension_count",
      "llama.attention.layer_norm_rms_epsilon",
      "tokenizer.ggml.model",
      "tokenizer.ggml.tokens",
      "tokenizer.ggml.scores",
      "tokenizer.ggml.token_type",
      "tokenizer.ggml.bos_token_id",
      "tokenizer.ggml.eos_token_id",
      "tokenizer.ggml.unknown_token_id",
    ];
    for (const key of keys) {
      expect(rewritten.meta[key]?.value, key).toEqual(official.meta[key]?.value);
      expect(rewritten.meta[key]?.type, key).toBe(official.meta[key]?.type);
    }
    // The official file omits rope.freq_base (llama.cpp's default 10000); we write it explicitly.
    expect(rewritten.meta["llama.rope.freq_base"]?.value).toBe(10000);
    const names = (h: typeof official): string[] => h.tensorInfos.map((t) => t.name).sort();
    expect(names(rewritten)).toEqual(names(official).filter((n) => n !== "output.weight"));
    for (const info of rewritten.tensorInfos) {
      const orig = official.tensorInfos.find((t) => t.name === info.name)!;
      expect(info.shape, info.name).toEqual(orig.shape);
      expect(info.dtype, info.name).toBe(orig.dtype);
      expect((await rawTensorBytes(path, rewritten, info.name)).equals(await rawTensorBytes(GGUF, official, info.name)), info.name).toBe(true);
    }
    const back = await loadGguf(path);
    expect(back.config).toEqual(gguf.config);
    expectSameWeights(gguf.weights, back.weights);
  });
});
