/**
 * The parser faces untrusted bytes: whatever it is given, it must either return a consistent
 * result or throw SafetensorsError: never another exception, never a hang. Runs are seeded and
 * bounded so the whole file takes a few seconds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DTYPES, dtypeBytes, type DType } from "../tensor/dtype.js";
import { Rng } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { parseSafetensorsBuffer, type SafetensorsContents } from "./buffer.js";
import { byteView } from "./bytes.js";
import { SafetensorsError } from "./errors.js";
import { serializeSafetensors } from "./serialize.js";
import { craft } from "./test-support.js";

/** Parses, and checks the result is self-consistent when parsing succeeds. */
function parseOrSafetensorsError(bytes: Uint8Array, allowGaps = false): SafetensorsContents | SafetensorsError {
  let parsed: SafetensorsContents;
  try {
    parsed = parseSafetensorsBuffer(bytes, { allowGaps });
  } catch (error) {
    if (error instanceof SafetensorsError) return error;
    throw new Error(`non-SafetensorsError escaped the parser: ${String(error)}`, { cause: error });
  }
  const { header } = parsed;
  let coveredTo = 0;
  for (const info of header.tensors) {
    const tensor = parsed.tensors.get(info.name)!;
    expect(tensor.shape).toEqual(info.shape);
    expect(info.byteLength).toBe(tensor.numel * dtypeBytes(info.dtype));
    expect(info.dataOffsets[0]).toBeGreaterThanOrEqual(coveredTo);
    expect(info.byteOffset + info.byteLength).toBeLessThanOrEqual(bytes.length);
    coveredTo = info.dataOffsets[1];
  }
  if (!allowGaps) expect(header.dataStart + coveredTo).toBe(bytes.length);
  return parsed;
}

function sampleFile(): Uint8Array {
  const rng = new Rng(11);
  return serializeSafetensors(
    {
      "model.embed": Tensor.rand([3, 4], rng, -1, 1, "bf16"),
      "model.norm": Tensor.rand([4], rng),
      "model.ids": Tensor.fromArray([1, 2, 3], [3], "i64"),
      "model.scalar": Tensor.fromArray([7], [], "i16"),
      "model.empty": Tensor.zeros([0, 2], "f64"),
      "model.mask": Tensor.fromArray([1, 0, 1], [3], "bool"),
    },
    { format: "pt", note: "fuzz seed" },
  );
}

const SAMPLE = sampleFile();
const SAMPLE_HEADER_LENGTH = Number(new DataView(SAMPLE.buffer).getBigUint64(0, true));
const SAMPLE_HEADER = SAMPLE.subarray(8, 8 + SAMPLE_HEADER_LENGTH);
const SAMPLE_DATA = SAMPLE.subarray(8 + SAMPLE_HEADER_LENGTH);

/** Bytes that matter to JSON and to the header's schema, so mutations hit interesting states. */
const INTERESTING_BYTES = [...'{}[]":,0123456789-+.eE tfnul\\ \n\t'].map((c) => c.charCodeAt(0)).concat([0x00, 0x80, 0xc3, 0xff]);

describe("safetensors parser under fuzzing", () => {
  it("the sample file parses", () => {
    expect(parseOrSafetensorsError(SAMPLE)).not.toBeInstanceOf(SafetensorsError);
  });

  it("rejects every truncation of a valid file with SafetensorsError", () => {
    for (let length = 0; length < SAMPLE.length; length++) {
      const result = parseOrSafetensorsError(SAMPLE.subarray(0, length));
      expect(result, `truncated to ${length} bytes`).toBeInstanceOf(SafetensorsError);
    }
  });

  it("survives random bytes (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        parseOrSafetensorsError(bytes);
      }),
      { numRuns: 1500, seed: 1 },
    );
  });

  it("survives random header bytes behind a correct length prefix (fast-check)", () => {
    const headerByte = fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(headerByte, { maxLength: 120 }), fc.nat({ max: 64 }), fc.boolean(), (header, dataLength, allowGaps) => {
        parseOrSafetensorsError(craft(Uint8Array.from(header), dataLength), allowGaps);
      }),
      { numRuns: 1500, seed: 2 },
    );
  });

  it("survives random mutations of a valid header (fast-check)", () => {
    const mutation = fc.record({
      kind: fc.constantFrom("replace", "insert", "delete"),
      at: fc.nat(),
      byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (mutations, keepOldLength) => {
        const header = [...SAMPLE_HEADER];
        for (const m of mutations) {
          const at = m.at % (header.length + 1);
          if (m.kind === "replace" && at < header.length) header[at] = m.byte;
          else if (m.kind === "insert") header.splice(at, 0, m.byte);
          else header.splice(at, 1);
        }
        // With the old length prefix the header boundary shifts too, which is its own test.
        const declaredLength = keepOldLength ? SAMPLE_HEADER_LENGTH : header.length;
        parseOrSafetensorsError(craft(Uint8Array.from(header), SAMPLE_DATA, { declaredLength }));
      }),
      { numRuns: 1500, seed: 3 },
    );
  });

  it("survives structurally plausible headers with hostile values (fast-check)", () => {
    const count = fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(-1, 0.5, 2 ** 32, 2 ** 53, 2 ** 64, 1e308));
    const tensorEntry = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom("F32", "F16", "BF16", "U8", "BOOL", "I64", "F8_E4M3", "f32", ""), fc.integer()),
        shape: fc.oneof(fc.array(count, { maxLength: 4 }), fc.constant("2")),
        data_offsets: fc.oneof(fc.tuple(count, count), fc.array(count, { maxLength: 3 })),
      },
      { requiredKeys: [] },
    );
    const header = fc.dictionary(
      fc.oneof(fc.constantFrom("a", "b", "__metadata__", "__proto__"), fc.string({ maxLength: 4 })),
      fc.oneof(tensorEntry, fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string(), fc.integer())), fc.jsonValue({ maxDepth: 2 })),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(header, fc.nat({ max: 200 }), fc.boolean(), (object, dataLength, allowGaps) => {
        parseOrSafetensorsError(craft(JSON.stringify(object), dataLength), allowGaps);
      }),
      { numRuns: 1500, seed: 4 },
    );
  });

  it("round-trips random tensors and names (fast-check)", () => {
    const tensor = fc
      .record({
        dtype: fc.constantFrom<DType>(...DTYPES),
        shape: fc.array(fc.nat({ max: 3 }), { maxLength: 3 }),
        seed: fc.nat(),
      })
      .map(({ dtype, shape, seed }) => {
        const t = Tensor.zeros(shape, dtype);
        const bytes = byteView(t.data);
        const rng = new Rng(seed);
        for (let i = 0; i < bytes.length; i++) bytes[i] = dtype === "bool" ? rng.int(2) : rng.int(256);
        return t;
      });
    const name = fc.string({ unit: "binary", maxLength: 6 }).filter((n) => n !== "__metadata__");
    fc.assert(
      fc.property(fc.dictionary(name, tensor, { maxKeys: 5 }), fc.dictionary(name, fc.string({ unit: "binary" })), (tensors, metadata) => {
        const parsed = parseOrSafetensorsError(serializeSafetensors(tensors, metadata));
        if (parsed instanceof SafetensorsError) throw parsed;
        expect({ ...parsed.metadata }).toEqual({ ...metadata });
        expect(parsed.tensors.size).toBe(Object.keys(tensors).length);
        for (const [key, expected] of Object.entries(tensors)) {
          const actual = parsed.tensors.get(key)!;
          expect(actual.dtype).toBe(expected.dtype);
          expect(actual.shape).toEqual(expected.shape);
          expect(byteView(actual.data)).toEqual(byteView(expected.data));
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it("survives random bytes and bit flips (seeded loop)", () => {
    const rng = new Rng(2024);
    for (let iteration = 0; iteration < 2000; iteration++) {
      let bytes: Uint8Array;
      switch (iteration % 3) {
        case 0: {
          // Pure noise, sometimes behind a plausible small length prefix.
          bytes = Uint8Array.from({ length: rng.int(200) }, () => rng.int(256));
          if (bytes.length >= 8 && rng.int(2) === 0) {
            new DataView(bytes.buffer).setBigUint64(0, BigInt(rng.int(bytes.length)), true);
          }
          break;
        }
        case 1: {
          // A valid file with a few bits flipped anywhere, the length prefix included.
          bytes = SAMPLE.slice();
          for (let flips = 1 + rng.int(4); flips > 0; flips--) bytes[rng.int(bytes.length)]! ^= 1 << rng.int(8);
          break;
        }
        default: {
          // A valid file with one header byte overwritten by a JSON-significant byte.
          bytes = SAMPLE.slice();
          bytes[8 + rng.int(SAMPLE_HEADER_LENGTH)] = INTERESTING_BYTES[rng.int(INTERESTING_BYTES.length)]!;
        }
      }
      parseOrSafetensorsError(bytes, rng.int(4) === 0);
    }
  });
});
