import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allocStorage, DTYPES, dtypeBytes, type DType } from "../tensor/dtype.js";
import { Rng } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { parseSafetensorsBuffer } from "./buffer.js";
import { byteView } from "./bytes.js";
import { SafetensorsFile } from "./reader.js";
import { serializeSafetensors } from "./serialize.js";
import { makeTempDir } from "./test-support.js";
import { writeSafetensors } from "./writer.js";

const temp = makeTempDir();
afterAll(() => temp.cleanup());

/** A tensor whose storage is random bytes: every bit pattern, NaN payloads included, must survive. */
function randomTensor(dtype: DType, shape: number[], rng: Rng): Tensor {
  const numel = shape.reduce((a, b) => a * b, 1);
  const storage = allocStorage(dtype, numel);
  const bytes = byteView(storage);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  if (dtype === "bool") for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! & 1;
  return Tensor.wrap(dtype, storage, shape);
}

function expectSameTensor(actual: Tensor, expected: Tensor): void {
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.isContiguous()).toBe(true);
  expect(byteView(actual.contiguousData())).toEqual(byteView(expected.contiguous().contiguousData()));
}

const SHAPES: number[][] = [[], [1], [7], [2, 3], [3, 1, 5], [0], [4, 0, 2]];

function everyDTypeAndShape(rng: Rng): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const dtype of DTYPES) {
    for (const shape of SHAPES) tensors.set(`${dtype}.[${shape.join("x")}]`, randomTensor(dtype, shape, rng));
  }
  return tensors;
}

describe("safetensors round trip", () => {
  it("keeps every dtype bit-exact, including 0-dim scalars and empty tensors (file)", async () => {
    const tensors = everyDTypeAndShape(new Rng(1));
    const path = join(temp.dir, "all.safetensors");
    await writeSafetensors(path, tensors);

    await using file = await SafetensorsFile.open(path);
    expect(new Set(file.names())).toEqual(new Set(tensors.keys()));
    for (const [name, expected] of tensors) {
      const info = file.info(name);
      expect(info.dtype).toBe(expected.dtype);
      expect(info.shape).toEqual(expected.shape);
      expect(info.byteLength).toBe(expected.byteLength);
      expectSameTensor(await file.read(name), expected);
    }
  });

  it("keeps every dtype bit-exact in memory, and serialize matches the file bytes", async () => {
    const tensors = everyDTypeAndShape(new Rng(2));
    const bytes = serializeSafetensors(tensors, { format: "pt" });
    const parsed = parseSafetensorsBuffer(bytes);
    expect(parsed.tensors.size).toBe(tensors.size);
    for (const [name, expected] of tensors) expectSameTensor(parsed.tensors.get(name)!, expected);

    const path = join(temp.dir, "same.safetensors");
    await writeSafetensors(path, tensors, { format: "pt" });
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
  });

  it("round-trips metadata, including awkward keys and non-ASCII text", async () => {
    const metadata = { format: "pt", "__proto__": "not a prototype", constructor: "x", "é✓🙂": 'quote " and \\ and \n', empty: "" };
    const path = join(temp.dir, "meta.safetensors");
    await writeSafetensors(path, { w: Tensor.fromArray([1, 2], [2]) }, metadata);
    await using file = await SafetensorsFile.open(path);
    expect({ ...file.metadata }).toEqual({ ...metadata });
    expect(Object.keys(file.metadata).sort()).toEqual(Object.keys(metadata).sort());
    expect(Object.getPrototypeOf(file.metadata)).toBe(null);
    expect({ ...parseSafetensorsBuffer(serializeSafetensors({}, metadata)).metadata }).toEqual({ ...metadata });
  });

  it("reads an empty file (no tensors) and one without metadata", async () => {
    const parsed = parseSafetensorsBuffer(serializeSafetensors({}));
    expect(parsed.tensors.size).toBe(0);
    expect(Object.keys(parsed.metadata)).toEqual([]);
  });

  it("writes non-contiguous views as their logical (row-major) contents", async () => {
    const base = Tensor.fromArray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4], "i32");
    const transposed = base.transpose();
    const narrowed = base.narrow(1, 1, 2);
    const path = join(temp.dir, "views.safetensors");
    await writeSafetensors(path, [
      ["t", transposed],
      ["n", narrowed],
    ]);
    await using file = await SafetensorsFile.open(path);
    expect((await file.read("t")).toArray()).toEqual(transposed.toArray());
    expect((await file.read("n")).toArray()).toEqual([1, 2, 5, 6, 9, 10]);
  });

  it("accepts a Record, an array of pairs and a Map alike", () => {
    const a = Tensor.fromArray([1], [1]);
    const b = Tensor.fromArray([2, 3], [2], "f16");
    const fromRecord = serializeSafetensors({ a, b });
    expect(serializeSafetensors([["b", b], ["a", a]])).toEqual(fromRecord);
    expect(serializeSafetensors(new Map<string, Tensor>([["a", a], ["b", b]]))).toEqual(fromRecord);
  });

  it("orders tensors like the reference writer: dtype rank, then name by code point", () => {
    const rng = new Rng(3);
    const names = ["x.bool", "x.u8", "x.i8", "x.i16", "x.f16", "x.bf16", "x.i32", "x.f32", "x.f64", "x.i64"];
    const tensors: Array<[string, Tensor]> = names.map((name) => [name, randomTensor(name.slice(2) as DType, [3], rng)]);
    tensors.push(["a.f32", randomTensor("f32", [1], rng)], ["\u{1F600}", randomTensor("u8", [1], rng)], ["\uFF5E", randomTensor("u8", [1], rng)]);
    const parsed = parseSafetensorsBuffer(serializeSafetensors(tensors));
    expect(parsed.header.tensors.map((t) => t.name)).toEqual([
      "x.i64", "x.f64", "a.f32", "x.f32", "x.i32", "x.bf16", "x.f16", "x.i16", "x.i8", "x.u8", "\uFF5E", "\u{1F600}", "x.bool",
    ]);
    expect(parsed.header.dataStart % 8).toBe(0);
    for (const info of parsed.header.tensors) expect(info.byteOffset % dtypeBytes(info.dtype)).toBe(0);
  });

  it("reads into caller-provided storage or raw bytes", async () => {
    const t = Tensor.fromArray([1.5, -2, 3.25], [3]);
    const path = join(temp.dir, "into.safetensors");
    await writeSafetensors(path, { t });
    await using file = await SafetensorsFile.open(path);
    const target = new Float32Array(3);
    expect(await file.readInto("t", target)).toBe(target);
    expect([...target]).toEqual([1.5, -2, 3.25]);
    const raw = new Uint8Array(12);
    await file.readInto("t", raw);
    expect(raw).toEqual(byteView(t.data));
    // Reads may run concurrently on one handle: they are positional.
    const all = await Promise.all([file.read("t"), file.read("t"), file.read("t")]);
    for (const r of all) expect(r.toArray()).toEqual([1.5, -2, 3.25]);
  });

  it("replaces an existing file atomically and leaves no temp files behind", async () => {
    const dir = makeTempDir();
    try {
      const path = join(dir.dir, "model.safetensors");
      writeFileSync(path, "old contents");
      await writeSafetensors(path, { x: Tensor.fromArray([42], [1], "i16") });
      expect(readdirSync(dir.dir)).toEqual(["model.safetensors"]);
      await using file = await SafetensorsFile.open(path);
      expect((await file.read("x")).toArray()).toEqual([42]);
    } finally {
      dir.cleanup();
    }
  });

  it("removes its temp file when writing fails", async () => {
    const dir = makeTempDir();
    try {
      const badTensor = Tensor.fromArray([1], [1]);
      // A tensor whose storage access throws mid-write, after the header has gone to disk.
      Object.defineProperty(badTensor, "contiguous", {
        value: () => {
          throw new Error("boom");
        },
      });
      await expect(writeSafetensors(join(dir.dir, "m.safetensors"), { a: Tensor.fromArray([1], [1]), b: badTensor })).rejects.toThrow("boom");
      expect(readdirSync(dir.dir)).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });
});
