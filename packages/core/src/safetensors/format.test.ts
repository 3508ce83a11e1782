/**
 * The bytes on disk, checked against the documented format rather than against our own reader:
 * an 8-byte little-endian header length, the JSON header padded with spaces, then the data.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Tensor } from "../tensor/tensor.js";
import { parseSafetensorsBuffer } from "./buffer.js";
import { SafetensorsFile } from "./reader.js";
import { serializeSafetensors } from "./serialize.js";
import { craft, makeTempDir, writeTempFile } from "./test-support.js";

const temp = makeTempDir();
afterAll(() => temp.cleanup());

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

describe("safetensors byte format", () => {
  it("writes exactly the documented bytes for a known small file", () => {
    const bytes = serializeSafetensors(
      {
        a: Tensor.wrap("u8", new Uint8Array([1, 2, 3]), [3]),
        b: Tensor.fromArray([1, -2], [2], "f32"),
      },
      { format: "pt" },
    );
    // 138 bytes of JSON, padded with 6 spaces to 144 = 0x90 so the data starts 8-byte aligned.
    const json =
      '{"__metadata__":{"format":"pt"},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"a":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}';
    const expected = [
      ...[0x90, 0, 0, 0, 0, 0, 0, 0],
      ...ascii(json),
      ...ascii("      "),
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f, little-endian
      ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
      ...[0x01, 0x02, 0x03],
    ];
    expect(json.length).toBe(138);
    expect([...bytes]).toEqual(expected);
  });

  it("reads a hand-built file: 0-dim scalar, empty tensor, bf16 and i64, unpadded odd-length header", async () => {
    // Deliberately unaligned (header of odd length) and written in a different key order than
    // Sieve writes, as other tools may.
    const header =
      '{"s":{"dtype":"I32","shape":[],"data_offsets":[0,4]},' +
      '"e":{"dtype":"F16","shape":[0,3],"data_offsets":[4,4]},' +
      '"h":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},' +
      '"q":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},' +
      '"__metadata__":{"k":"v"}}';
    expect(header.length % 2).toBe(1);
    const data = new Uint8Array([
      ...[0xfe, 0xff, 0xff, 0xff], // i32 -2
      ...[0x80, 0x3f, 0x00, 0xc0], // bf16 1.0, -2.0
      ...[0x01, 0, 0, 0, 0, 0, 0, 0x80], // i64 -(2^63) + 1
    ]);
    const bytes = craft(header, data);
    const path = writeTempFile(temp.dir, "hand.safetensors", bytes);

    await using file = await SafetensorsFile.open(path);
    expect({ ...file.metadata }).toEqual({ k: "v" });
    expect(file.names()).toEqual(["s", "e", "h", "q"]);
    const dataStart = 8 + header.length;
    expect(file.info("s")).toEqual({ name: "s", dtype: "i32", shape: [], byteOffset: dataStart, byteLength: 4, dataOffsets: [0, 4] });
    expect(file.info("q").byteOffset).toBe(dataStart + 8);

    const scalar = await file.read("s");
    expect(scalar.shape).toEqual([]);
    expect(scalar.get()).toBe(-2);
    const empty = await file.read("e");
    expect(empty.shape).toEqual([0, 3]);
    expect(empty.data).toBeInstanceOf(Uint16Array);
    expect(empty.numel).toBe(0);
    const half = await file.read("h");
    expect([...half.data]).toEqual([0x3f80, 0xc000]);
    expect(half.toArray()).toEqual([1, -2]);
    const big = await file.read("q");
    expect(big.data).toBeInstanceOf(BigInt64Array);
    expect(big.data[0]).toBe(-(2n ** 63n) + 1n);
    // Unaligned in the file, aligned in memory: storage is always freshly allocated.
    expect((big.data as BigInt64Array).byteOffset % 8).toBe(0);

    const parsed = parseSafetensorsBuffer(bytes);
    expect([...parsed.tensors.keys()]).toEqual(["s", "e", "h", "q"]);
    expect(parsed.tensors.get("s")!.get()).toBe(-2);
  });

  it("accepts JSON whitespace (spaces, tabs, newlines) around the header object", () => {
    const header = '\n {"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}} \t\r\n   ';
    const parsed = parseSafetensorsBuffer(craft(header, new Uint8Array([7])));
    expect(parsed.tensors.get("x")!.toArray()).toEqual([7]);
  });

  it("decodes escaped and non-ASCII tensor names", () => {
    const header = '{"caf\\u00e9 \\"q\\" \\ud83d\\ude00 ✓":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    const parsed = parseSafetensorsBuffer(craft(header, 1));
    expect([...parsed.tensors.keys()]).toEqual(['café "q" 😀 ✓']);
  });

  it("reads a file whose data sits at an offset not aligned to its element size", () => {
    const header = '{"f":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}';
    const data = new Uint8Array(new Float64Array([Math.PI]).buffer);
    const bytes = craft(header, data);
    // Place the whole image at an odd offset of a larger buffer, too.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const value = parseSafetensorsBuffer(shifted.subarray(3)).tensors.get("f")!;
    expect(value.get(0)).toBe(Math.PI);
  });
});
