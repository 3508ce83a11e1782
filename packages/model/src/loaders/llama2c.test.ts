import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "@sieve/core";
import { hfNames } from "../arch/weights.js";
import { CheckpointFormatError } from "./format-error.js";
import { LLAMA2C_MAGIC, loadLlama2c } from "./llama2c.js";
import { synthCheckpoint } from "./synth.js";
import type { LoadedCheckpoint } from "./types.js";

/** Writes a checkpoint as llama2.c v0 or v1, in export.py's tensor order (test-only writer). */
function llama2cBytes(ck: LoadedCheckpoint, version: 0 | 1, shared: boolean): Uint8Array {
  const c = ck.config;
  const w = (name: string): Float32Array => ck.weights.get(name)!.contiguousData() as Float32Array;
  const layers = (pick: (n: ReturnType<typeof hfNames.layer>) => string): Float32Array[] =>
    Array.from({ length: c.nLayers }, (_, i) => w(pick(hfNames.layer(i))));
  const ints = [c.dim, c.hiddenDim, c.nLayers, c.nHeads, c.nKvHeads, version === 0 && !shared ? -c.vocabSize : c.vocabSize, c.maxSeqLen];
  let header: Uint8Array;
  if (version === 0) {
    header = new Uint8Array(new Int32Array(ints).buffer);
  } else {
    header = new Uint8Array(256);
    const view = new DataView(header.buffer);
    view.setUint32(0, LLAMA2C_MAGIC, true);
    view.setInt32(4, 1, true);
    ints.forEach((v, i) => view.setInt32(8 + 4 * i, v, true));
    header[36] = shared ? 1 : 0;
  }
  const matrices = [...layers((n) => n.q), ...layers((n) => n.k), ...layers((n) => n.v), ...layers((n) => n.o)];
  const ffn = [...layers((n) => n.gate), ...layers((n) => n.down), ...layers((n) => n.up)];
  const wcls = shared ? [] : [w(hfNames.lmHead)];
  const freq = new Float32Array(c.maxSeqLen * (c.headDim / 2));
  const parts =
    version === 0
      ? [w(hfNames.embed), ...layers((n) => n.attnNorm), ...matrices, ...layers((n) => n.mlpNorm), ...ffn, w(hfNames.finalNorm), freq, freq, ...wcls]
      : [...layers((n) => n.attnNorm), ...layers((n) => n.mlpNorm), w(hfNames.finalNorm), w(hfNames.embed), ...matrices, ...ffn, ...wcls];
  return Buffer.concat([header, ...parts.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength))]);
}

function expectSameTensor(a: Tensor | undefined, b: Tensor | undefined, name: string): void {
  expect(a, name).toBeDefined();
  expect(b, name).toBeDefined();
  expect(a!.shape, name).toEqual(b!.shape);
  expect(Buffer.from((a!.contiguousData() as Float32Array).buffer).equals(Buffer.from((b!.contiguousData() as Float32Array).buffer)), name).toBe(true);
}

describe("loadLlama2c", () => {
  let dir: string;
  const source = synthCheckpoint("test-tiny", "f32", 7);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sieve-llama2c-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const version of [0, 1] as const) {
    for (const shared of [true, false]) {
      it(`reads v${version} with ${shared ? "a shared" : "an unshared"} classifier into HF names, bit for bit`, async () => {
        const path = join(dir, `v${version}-${shared}.bin`);
        await writeFile(path, llama2cBytes(source, version, shared));
        const ck = await loadLlama2c(path);
        const c = ck.config;
        expect(ck.format).toBe("llama2c");
        expect(ck.metadata["llama2c.version"]).toBe(String(version));
        expect(c).toMatchObject({
          architecture: "LlamaForCausalLM",
          dim: 64,
          hiddenDim: 160,
          nLayers: 2,
          nHeads: 4,
          nKvHeads: 2,
          headDim: 16,
          vocabSize: 256,
          maxSeqLen: 128,
          normEps: 1e-5,
          rope: { theta: 10000, style: "interleaved", rotaryDim: 16 },
          tiedEmbeddings: shared,
          bosTokenId: 1,
          eosTokenIds: [2],
        });
        const names = [...source.weights.keys()].filter((n) => !(shared && n === hfNames.lmHead));
        expect([...ck.weights.keys()].sort()).toEqual(names.sort());
        for (const name of names) expectSameTensor(ck.weights.get(name), source.weights.get(name), name);
      });
    }
  }

  describe("malformed files name the file, the field and the byte offset", () => {
    const good = (): Uint8Array => llama2cBytes(source, 0, false);
    const expectError = async (bytes: Uint8Array, pattern: RegExp, name = "bad.bin"): Promise<CheckpointFormatError> => {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const error = await loadLlama2c(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointFormatError);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(pattern);
      return error as CheckpointFormatError;
    };
    const withHeaderInt = (index: number, value: number): Uint8Array => {
      const bytes = good().slice();
      new DataView(bytes.buffer).setInt32(4 * index, value, true);
      return bytes;
    };

    it("a truncated header", async () => {
      const e = await expectError(good().subarray(0, 10), /n_layers at byte 10: the file ends inside the header/);
      expect(e.field).toBe("n_layers");
      expect(e.offset).toBe(10);
    });
    it("an empty file", async () => {
      await expectError(new Uint8Array(0), /dim at byte 0/);
    });
    it("truncated tensor data", async () => {
      const bytes = good();
      const e = await expectError(bytes.subarray(0, bytes.length - 100), /file length.*implies \d+ bytes but the file has \d+.*truncated/);
      expect(e.offset).toBe(bytes.length - 100);
    });
    it("trailing bytes", async () => {
      await expectError(Buffer.concat([good(), new Uint8Array(8)]), /implies \d+ bytes but the file has/);
    });
    it("non-positive dims", async () => {
      await expectError(withHeaderInt(0, 0), /dim at byte 0: must be a positive integer, got 0/);
      await expectError(withHeaderInt(2, -3), /n_layers at byte 8: must be a positive integer, got -3/);
      await expectError(withHeaderInt(5, 0), /vocab_size at byte 20: must be a positive integer, got 0/);
    });
    it("heads that do not divide dim", async () => {
      await expectError(withHeaderInt(3, 5), /n_heads at byte 12: n_heads 5 does not divide dim 64/);
      await expectError(withHeaderInt(4, 3), /n_kv_heads at byte 16: n_kv_heads 3 does not divide n_heads 4/);
    });
    it("an unsupported llama2.c version", async () => {
      const bytes = llama2cBytes(source, 1, true).slice();
      new DataView(bytes.buffer).setInt32(4, 2, true);
      await expectError(bytes, /version at byte 4: llama2.c version 2 \(Q8_0-quantized\)/);
    });
    it("a missing file surfaces Node's ENOENT", async () => {
      await expect(loadLlama2c(join(dir, "nope.bin"))).rejects.toThrow(/ENOENT/);
    });
  });
});
