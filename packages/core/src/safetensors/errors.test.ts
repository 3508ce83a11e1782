/**
 * Every error code, triggered by a crafted file (or API misuse) and checked on code, file, tensor
 * and offset. File cases run through both the file reader and the in-memory parser, which must
 * agree because they share one validator.
 */
import { readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Tensor } from "../tensor/tensor.js";
import { parseSafetensorsBuffer } from "./buffer.js";
import { SAFETENSORS_ERROR_CODES, SafetensorsError, type SafetensorsErrorCode } from "./errors.js";
import type { SafetensorsReadOptions } from "./options.js";
import { SafetensorsFile } from "./reader.js";
import { serializeSafetensors } from "./serialize.js";
import { craft, headerOffsetOf, makeTempDir, openError, parseError, writeTempFile } from "./test-support.js";
import { writeSafetensors } from "./writer.js";

const temp = makeTempDir();
const codesSeen = new Set<SafetensorsErrorCode>();
afterAll(() => temp.cleanup());

/** One tensor entry as JSON text. */
const entry = (dtype: string, shape: string, offsets: string) =>
  `{"dtype":${dtype},"shape":${shape},"data_offsets":${offsets}}`;
const f32x2 = (offsets = "[0,8]") => entry('"F32"', "[2]", offsets);

interface FileCase {
  title: string;
  bytes: Uint8Array;
  code: SafetensorsErrorCode;
  tensor?: string;
  offset?: number;
  options?: SafetensorsReadOptions;
}

function headerCase(
  title: string,
  header: string,
  dataLength: number,
  code: SafetensorsErrorCode,
  where: { tensor?: string; at?: string; offset?: number; options?: SafetensorsReadOptions },
): FileCase {
  const offset = where.offset ?? (where.at === undefined ? undefined : headerOffsetOf(header, where.at));
  return { title, bytes: craft(header, dataLength), code, tensor: where.tensor, offset, options: where.options };
}

/** Absolute file offset of byte `k` of the data buffer for a crafted header. */
const dataAt = (header: string, k: number) => 8 + Buffer.byteLength(header) + k;

const enc = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const gapHeader = `{"a":${entry('"F32"', "[1]", "[0,4]")},"b":${entry('"F32"', "[1]", "[8,12]")}}`;
const leadingGapHeader = `{"a":${entry('"F32"', "[1]", "[4,8]")}}`;
const trailingGapHeader = `{"a":${entry('"F32"', "[1]", "[0,4]")}}`;
const overlapHeader = `{"a":${f32x2("[0,8]")},"b":${f32x2("[4,12]")}}`;
const emptyInsideHeader = `{"a":${f32x2("[0,8]")},"e":${entry('"F32"', "[0]", "[4,4]")}}`;

const FILE_CASES: FileCase[] = [
  { title: "a file shorter than the length prefix", bytes: new Uint8Array([1, 2, 3]), code: "TRUNCATED", offset: 3 },
  { title: "an empty file", bytes: new Uint8Array(0), code: "TRUNCATED", offset: 0 },
  { title: "a zero header length", bytes: craft("", 0), code: "HEADER_TOO_SMALL", offset: 0 },
  { title: "a one-byte header", bytes: craft("{", 0), code: "HEADER_TOO_SMALL", offset: 0 },
  {
    title: "a header length over 100 MB",
    bytes: craft("{}", 0, { declaredLength: 100_000_001 }),
    code: "HEADER_TOO_LARGE",
    offset: 0,
  },
  {
    title: "a header length of 2^64 - 1",
    bytes: craft("{}", 0, { declaredLength: 2n ** 64n - 1n }),
    code: "HEADER_TOO_LARGE",
    offset: 0,
  },
  {
    title: "a header over a configured limit",
    bytes: craft(`{"a":${f32x2()}}`, 8),
    code: "HEADER_TOO_LARGE",
    offset: 0,
    options: { maxHeaderBytes: 16 },
  },
  {
    title: "a header length past the end of the file",
    bytes: craft("{}", 0, { declaredLength: 1000 }),
    code: "HEADER_LENGTH_EXCEEDS_FILE",
    offset: 0,
  },
  {
    title: "a stray 0xff byte in a tensor name",
    bytes: craft(concat(enc('{"ab'), new Uint8Array([0xff]), enc('":1}'))),
    code: "INVALID_UTF8",
    offset: 8 + 4,
  },
  {
    title: "an overlong UTF-8 encoding",
    bytes: craft(concat(enc('{"'), new Uint8Array([0xc0, 0x80]), enc('":1}'))),
    code: "INVALID_UTF8",
    offset: 8 + 2,
  },
  {
    title: "a UTF-8 encoded surrogate",
    bytes: craft(concat(enc('{"x":{},"'), new Uint8Array([0xed, 0xa0, 0x80]), enc('":1}'))),
    code: "INVALID_UTF8",
    offset: 8 + 9,
  },
  headerCase("a missing value", '{"a":}', 0, "INVALID_JSON", { at: "}" }),
  headerCase("an unterminated object", '{"a":{"dtype":"F32"', 0, "INVALID_JSON", { offset: 8 + 19 }),
  headerCase("content after the object", `{"a":${f32x2()}}x`, 8, "INVALID_JSON", { at: "x" }),
  headerCase("NUL padding", `{"a":${f32x2()}}\0\0`, 8, "INVALID_JSON", { at: "\0" }),
  headerCase("single-quoted strings", "{'a':1}", 0, "INVALID_JSON", { at: "'" }),
  headerCase("a lone surrogate escape", '{"\\ud800":1}', 0, "INVALID_JSON", { at: "\\ud800" }),
  headerCase("JSON nested 1000 deep in an ignored field", `{"a":{"x":${"[".repeat(1000)}${"]".repeat(1000)}}}`, 0, "INVALID_JSON", {
    // The root object and the entry are levels 1 and 2, so the 63rd '[' (header byte 10 + 62) is level 65.
    offset: 8 + 10 + 62,
  }),
  headerCase("a repeated tensor name", `{"a":${f32x2()},"a":${f32x2()}}`, 8, "DUPLICATE_KEY", {
    tensor: "a",
    offset: 8 + 1 + `"a":${f32x2()},`.length,
  }),
  headerCase("a repeated field", '{"a":{"dtype":"F32","dtype":"F16","shape":[],"data_offsets":[0,4]}}', 4, "DUPLICATE_KEY", {
    tensor: "a",
    offset: 8 + '{"a":{"dtype":"F32",'.length,
  }),
  headerCase("a repeated metadata key", '{"__metadata__":{"k":"1","k":"2"}}', 0, "DUPLICATE_KEY", {
    at: '"k":"2"',
  }),
  headerCase("a JSON array", "[1,2]", 0, "NOT_AN_OBJECT", { offset: 8 }),
  headerCase("a JSON string", '"{}"', 0, "NOT_AN_OBJECT", { offset: 8 }),
  headerCase("a JSON number after whitespace", "  42", 0, "NOT_AN_OBJECT", { offset: 10 }),
  headerCase("a non-string metadata value", '{"__metadata__":{"k":1}}', 0, "BAD_METADATA", { at: "1}" }),
  headerCase("metadata that is an array", '{"__metadata__":["k"]}', 0, "BAD_METADATA", { at: "[" }),
  headerCase("an entry that is a number", '{"a":5}', 0, "BAD_ENTRY", { tensor: "a", at: "5" }),
  headerCase("an entry without data_offsets", '{"a":{"dtype":"F32","shape":[]}}', 0, "BAD_ENTRY", {
    tensor: "a",
    at: '{"dtype"',
  }),
  headerCase("a lowercase dtype", `{"w":${entry('"f32"', "[2]", "[0,8]")}}`, 8, "UNKNOWN_DTYPE", {
    tensor: "w",
    at: '"f32"',
  }),
  headerCase("a numeric dtype", `{"w":${entry("4", "[2]", "[0,8]")}}`, 8, "UNKNOWN_DTYPE", { tensor: "w", at: "4," }),
  headerCase("an F8_E4M3 tensor", `{"w":${entry('"F8_E4M3"', "[8]", "[0,8]")}}`, 8, "UNSUPPORTED_DTYPE", {
    tensor: "w",
    at: '"F8_E4M3"',
  }),
  headerCase("a U32 tensor", `{"w":${entry('"U32"', "[2]", "[0,8]")}}`, 8, "UNSUPPORTED_DTYPE", {
    tensor: "w",
    at: '"U32"',
  }),
  headerCase("a negative dimension", `{"w":${entry('"F32"', "[-2]", "[0,8]")}}`, 8, "BAD_SHAPE", {
    tensor: "w",
    at: "-2",
  }),
  headerCase("a fractional dimension", `{"w":${entry('"F32"', "[1,1.5]", "[0,8]")}}`, 8, "BAD_SHAPE", {
    tensor: "w",
    at: "1.5",
  }),
  headerCase("a dimension written 2.0", `{"w":${entry('"F32"', "[2.0]", "[0,8]")}}`, 8, "BAD_SHAPE", {
    tensor: "w",
    at: "2.0",
  }),
  headerCase("a dimension of 2^53", `{"w":${entry('"U8"', "[9007199254740992]", "[0,8]")}}`, 8, "BAD_SHAPE", {
    tensor: "w",
    at: "9007199254740992",
  }),
  headerCase("a shape that is a string", `{"w":${entry('"F32"', '"2"', "[0,8]")}}`, 8, "BAD_SHAPE", {
    tensor: "w",
    at: '"2"',
  }),
  headerCase(
    "an element count that overflows",
    `{"w":${entry('"U8"', "[4294967296,4294967296]", "[0,8]")}}`,
    8,
    "BAD_SHAPE",
    { tensor: "w", at: "[4294967296" },
  ),
  headerCase(
    "a byte count that overflows",
    `{"w":${entry('"F64"', "[4503599627370496]", "[0,8]")}}`,
    8,
    "BAD_SHAPE",
    { tensor: "w", at: "[4503599627370496" },
  ),
  headerCase("one offset", `{"w":${f32x2("[8]")}}`, 8, "BAD_OFFSETS", { tensor: "w", at: "[8]" }),
  headerCase("offsets that run backwards", `{"w":${f32x2("[8,0]")}}`, 8, "BAD_OFFSETS", {
    tensor: "w",
    at: "[8,0]",
  }),
  headerCase("a negative offset", `{"w":${f32x2("[-8,0]")}}`, 8, "BAD_OFFSETS", { tensor: "w", at: "[-8,0]" }),
  headerCase("an exponent offset", `{"w":${f32x2("[0,8e0]")}}`, 8, "BAD_OFFSETS", { tensor: "w", at: "[0,8e0]" }),
  headerCase("a span that does not fit the shape", `{"w":${f32x2("[0,4]")}}`, 4, "SIZE_MISMATCH", {
    tensor: "w",
    at: "[0,4]",
  }),
  headerCase("a tensor past the end of the file", `{"w":${f32x2("[0,8]")}}`, 4, "OUT_OF_BOUNDS", {
    tensor: "w",
    at: "[0,8]",
  }),
  headerCase("overlapping tensors", overlapHeader, 12, "OVERLAP", { tensor: "b", offset: dataAt(overlapHeader, 4) }),
  headerCase("an empty tensor inside another", emptyInsideHeader, 8, "OVERLAP", {
    tensor: "e",
    offset: dataAt(emptyInsideHeader, 4),
  }),
  headerCase("a hole between tensors", gapHeader, 12, "GAP", { tensor: "b", offset: dataAt(gapHeader, 4) }),
  headerCase("a hole before the first tensor", leadingGapHeader, 8, "GAP", {
    tensor: "a",
    offset: dataAt(leadingGapHeader, 0),
  }),
  headerCase("bytes after the last tensor", trailingGapHeader, 12, "GAP", { offset: dataAt(trailingGapHeader, 4) }),
];

describe("SafetensorsError for malformed files", () => {
  for (const c of FILE_CASES) {
    it(`${c.code}: ${c.title}`, async () => {
      const path = writeTempFile(temp.dir, "case.safetensors", c.bytes);
      const fromFile = await openError(path, c.options);
      const fromBuffer = parseError(c.bytes, c.options);
      for (const [error, file] of [
        [fromFile, path],
        [fromBuffer, "<buffer>"],
      ] as const) {
        expect(error).toBeInstanceOf(SafetensorsError);
        expect(error).toBeInstanceOf(Error);
        expect({ code: error.code, file: error.file, tensor: error.tensor, offset: error.offset }).toEqual({
          code: c.code,
          file,
          tensor: c.tensor,
          offset: c.offset,
        });
        expect(error.message).toContain(JSON.stringify(file));
        expect(error.message).toContain(`[${c.code}]`);
        if (c.tensor !== undefined) expect(error.message).toContain(JSON.stringify(c.tensor));
        if (c.offset !== undefined) expect(error.message).toContain(`byte offset ${c.offset}`);
      }
      codesSeen.add(c.code);
    });
  }

  it("accepts holes when allowGaps is set, but never overlaps", () => {
    for (const header of [gapHeader, leadingGapHeader, trailingGapHeader]) {
      const bytes = craft(header, 12);
      expect(parseSafetensorsBuffer(bytes, { allowGaps: true }).tensors.size).toBeGreaterThan(0);
    }
    expect(parseError(craft(overlapHeader, 12), { allowGaps: true }).code).toBe("OVERLAP");
  });

  it("labels in-memory buffers with the given label", () => {
    expect(parseError(new Uint8Array(2)).file).toBe("<buffer>");
    expect(() => parseSafetensorsBuffer(new Uint8Array(2), { label: "shard-3" })).toThrow(
      expect.objectContaining({ code: "TRUNCATED", file: "shard-3" }),
    );
  });

  it("writes a message that says where and what to do", async () => {
    const header = `{"layers.0.w":${entry('"F8_E5M2"', "[4]", "[0,4]")}}`;
    const path = writeTempFile(temp.dir, "fp8.safetensors", craft(header, 4));
    const error = await openError(path);
    expect(error.message).toBe(
      `safetensors ${JSON.stringify(path)}, tensor "layers.0.w", byte offset ${headerOffsetOf(header, '"F8_E5M2"')}: ` +
        "dtype F8_E5M2 is valid safetensors but Sieve cannot hold it [UNSUPPORTED_DTYPE]. " +
        "Convert the checkpoint to one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL (for example with the reference Python safetensors package).",
    );
  });

  it("shortens huge tensor names in messages but keeps them whole in the field", () => {
    const name = "n".repeat(100_000);
    const error = parseError(craft(`{"${name}":5}`));
    expect(error.tensor).toBe(name);
    expect(error.message.length).toBeLessThan(1000);
  });
});

describe("SafetensorsError for API misuse", () => {
  const path = join(temp.dir, "good.safetensors");
  const t = Tensor.fromArray([1, 2, 3, 4], [2, 2]);

  it("UNKNOWN_TENSOR, BAD_TARGET and CLOSED", async () => {
    await writeSafetensors(path, { t });
    const file = await SafetensorsFile.open(path);
    const unknown = await file.read("nope").catch((e: unknown) => e as SafetensorsError);
    expect(unknown).toMatchObject({ code: "UNKNOWN_TENSOR", file: path, tensor: "nope", offset: undefined });
    expect(() => file.info("nope")).toThrow(SafetensorsError);

    const wrongType = await file.readInto("t", new Int32Array(4)).catch((e: unknown) => e as SafetensorsError);
    expect(wrongType).toMatchObject({ code: "BAD_TARGET", file: path, tensor: "t" });
    const wrongSize = await file.readInto("t", new Float32Array(3)).catch((e: unknown) => e as SafetensorsError);
    expect(wrongSize).toMatchObject({ code: "BAD_TARGET", file: path, tensor: "t" });

    await file.close();
    await file.close(); // idempotent
    const closed = await file.read("t").catch((e: unknown) => e as SafetensorsError);
    expect(closed).toMatchObject({ code: "CLOSED", file: path, tensor: "t" });
    for (const code of ["UNKNOWN_TENSOR", "BAD_TARGET", "CLOSED"] as const) codesSeen.add(code);
  });

  it("TRUNCATED when the file shrinks after it was opened", async () => {
    const shrinking = join(temp.dir, "shrinking.safetensors");
    await writeSafetensors(shrinking, { t });
    await using file = await SafetensorsFile.open(shrinking);
    const size = readFileSync(shrinking).length;
    truncateSync(shrinking, size - 6);
    const error = await file.read("t").catch((e: unknown) => e as SafetensorsError);
    expect(error).toMatchObject({ code: "TRUNCATED", file: shrinking, tensor: "t", offset: size - 6 });
  });

  it("BAD_NAME, BAD_ENTRY and BAD_METADATA when writing", async () => {
    const target = join(temp.dir, "w.safetensors");
    const cases: Array<[() => unknown, SafetensorsErrorCode, string | undefined]> = [
      [() => serializeSafetensors({ __metadata__: t }), "BAD_NAME", "__metadata__"],
      [() => serializeSafetensors([["a", t], ["a", t]]), "BAD_NAME", "a"],
      [() => serializeSafetensors({ "bad\ud800": t }), "BAD_NAME", "bad\ud800"],
      [() => serializeSafetensors({ a: [1, 2] as unknown as Tensor }), "BAD_ENTRY", "a"],
      [() => serializeSafetensors({ a: t }, { k: 1 as unknown as string }), "BAD_METADATA", undefined],
      [() => serializeSafetensors({ a: t }, { "\udc00": "v" }), "BAD_METADATA", undefined],
    ];
    for (const [run, code, tensor] of cases) {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SafetensorsError);
      expect(error).toMatchObject({ code, tensor });
      codesSeen.add(code);
    }
    await expect(writeSafetensors(target, { __metadata__: t })).rejects.toMatchObject({ code: "BAD_NAME", file: target });
  });

  it("every code is documented in docs/formats/safetensors.md", () => {
    const docs = readFileSync(new URL("../../../../docs/formats/safetensors.md", import.meta.url), "utf8");
    const undocumented = SAFETENSORS_ERROR_CODES.filter((code) => !docs.includes(`| \`${code}\` |`));
    expect(undocumented).toEqual([]);
  });

  afterAll(() => {
    // UNSUPPORTED_HOST needs a big-endian machine; every other code must have been exercised.
    const untested = SAFETENSORS_ERROR_CODES.filter((code) => code !== "UNSUPPORTED_HOST" && !codesSeen.has(code));
    expect(untested).toEqual([]);
  });
});
