/** Validates one tensor entry of the header: {"dtype", "shape", "data_offsets"}. */
import { dtypeBytes, type DType } from "../tensor/dtype.js";
import { fileDTypeOf, isKnownUnsupportedDType, sieveDTypeOf, SUPPORTED_FILE_DTYPES } from "./dtype-names.js";
import { FIX_DAMAGED_FILE } from "./errors.js";
import type { HeaderContext } from "./header-context.js";
import { kindPhrase, truncateForMessage } from "./json-fields.js";
import type { JsonReader } from "./json-reader.js";
import type { TensorInfo } from "./tensor-info.js";

/** The three fields once read, and where shape and offsets start (for messages about how they combine). */
interface EntryFields {
  dtype?: DType;
  shape?: number[];
  shapeAt: number;
  offsets?: [number, number];
  offsetsAt: number;
}

/**
 * Reads the entry at the reader's position and checks it on its own: field types, the dtype, the
 * shape, and that the byte span matches shape x dtype and lies inside the data buffer. How
 * entries relate to each other (overlaps, gaps) is layout.ts's job. Unknown fields are ignored, as
 * the reference implementation ignores them: checked to be valid JSON, never decoded or kept.
 */
export function readTensorEntry(
  json: JsonReader,
  tensor: string,
  ctx: HeaderContext,
  dataStart: number,
  dataLength: number,
): TensorInfo {
  const entryAt = json.valueStart();
  const kind = json.peekKind();
  if (kind !== "object") {
    ctx.fail("BAD_ENTRY", `the entry is ${kindPhrase(kind)}, not an object`, FIX_DAMAGED_FILE, {
      tensor,
      headerPos: entryAt,
    });
  }
  const fields = readFields(json, tensor, ctx);
  const { dtype, shape, offsets } = fields;
  if (dtype === undefined || shape === undefined || offsets === undefined) {
    const missing = dtype === undefined ? "dtype" : shape === undefined ? "shape" : "data_offsets";
    return ctx.fail("BAD_ENTRY", `the entry has no "${missing}" field`, FIX_DAMAGED_FILE, { tensor, headerPos: entryAt });
  }

  const [begin, end] = offsets;
  const byteLength = checkedByteLength(shape, dtype);
  if (byteLength === undefined) {
    ctx.fail("BAD_SHAPE", `the shape [${describeShape(shape)}] holds more bytes than 2^53 - 1`, FIX_DAMAGED_FILE, {
      tensor,
      headerPos: fields.shapeAt,
    });
  }
  if (end - begin !== byteLength) {
    const needs = `shape [${describeShape(shape)}] of ${fileDTypeOf(dtype)} (${dtypeBytes(dtype)} bytes each) needs ${byteLength}`;
    ctx.fail("SIZE_MISMATCH", `data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${needs}`, FIX_DAMAGED_FILE, {
      tensor,
      headerPos: fields.offsetsAt,
    });
  }
  if (end > dataLength) {
    const buffer = `the data buffer, which is ${dataLength} bytes (file offsets ${dataStart}..${dataStart + dataLength})`;
    ctx.fail(
      "OUT_OF_BOUNDS",
      `data_offsets [${begin}, ${end}] reach past the end of ${buffer}`,
      "The file is probably truncated; re-download or re-export it.",
      { tensor, headerPos: fields.offsetsAt },
    );
  }
  // Frozen: infos are handed to callers, and read() builds tensors from the same shape array.
  return Object.freeze({
    name: tensor,
    dtype,
    shape: Object.freeze(shape),
    byteOffset: dataStart + begin,
    byteLength,
    dataOffsets: Object.freeze([begin, end] as const),
  });
}

function readFields(json: JsonReader, tensor: string, ctx: HeaderContext): EntryFields {
  const fields: EntryFields = { shapeAt: -1, offsetsAt: -1 };
  json.beginObject();
  for (let member = json.nextKey(); member; member = json.nextKey()) {
    const { key } = member;
    if (key !== "dtype" && key !== "shape" && key !== "data_offsets") {
      json.skipValue();
      continue;
    }
    const seen = key === "dtype" ? fields.dtype : key === "shape" ? fields.shape : fields.offsets;
    if (seen !== undefined) {
      ctx.fail("DUPLICATE_KEY", `the field "${key}" appears more than once`, FIX_DAMAGED_FILE, {
        tensor,
        headerPos: member.start,
      });
    }
    if (key === "dtype") {
      fields.dtype = readDType(json, tensor, ctx);
    } else if (key === "shape") {
      fields.shapeAt = json.valueStart();
      fields.shape = readShape(json, tensor, ctx);
    } else {
      fields.offsetsAt = json.valueStart();
      fields.offsets = readOffsets(json, tensor, ctx);
    }
  }
  return fields;
}

function readDType(json: JsonReader, tensor: string, ctx: HeaderContext): DType {
  const supported = SUPPORTED_FILE_DTYPES.join(", ");
  const at = json.valueStart();
  const kind = json.peekKind();
  if (kind !== "string") {
    ctx.fail("UNKNOWN_DTYPE", `"dtype" is ${kindPhrase(kind)}, not a dtype name`, `Expected one of ${supported}.`, {
      tensor,
      headerPos: at,
    });
  }
  const name = json.readString();
  const dtype = sieveDTypeOf(name);
  if (dtype !== undefined) return dtype;
  if (isKnownUnsupportedDType(name)) {
    ctx.fail(
      "UNSUPPORTED_DTYPE",
      `dtype ${name} is valid safetensors but Sieve cannot hold it`,
      `Convert the checkpoint to one of ${supported} (for example with the reference Python safetensors package).`,
      { tensor, headerPos: at },
    );
  }
  return ctx.fail(
    "UNKNOWN_DTYPE",
    `dtype ${truncateForMessage(JSON.stringify(name))} is not a safetensors dtype`,
    `Dtype names are case-sensitive; expected one of ${supported}.`,
    { tensor, headerPos: at },
  );
}

/**
 * Dimensions must be plain integer literals from 0 to 2^53 - 1. "2.0" or "2e0" equal an integer
 * numerically but are refused: the reference implementation reads these fields as u64 and
 * refuses them, and a file Sieve accepts should be one every reader accepts.
 */
function readShape(json: JsonReader, tensor: string, ctx: HeaderContext): number[] {
  const kind = json.peekKind();
  if (kind !== "array") {
    ctx.fail("BAD_SHAPE", `"shape" is ${kindPhrase(kind)}, not an array of dimensions`, FIX_DAMAGED_FILE, {
      tensor,
      headerPos: json.valueStart(),
    });
  }
  const shape: number[] = [];
  json.beginArray();
  while (json.nextItem()) {
    const at = json.valueStart();
    const count = readCount(json);
    if (typeof count === "string") {
      ctx.fail(
        "BAD_SHAPE",
        `dimension ${shape.length} is ${count}; dimensions must be integers from 0 to 2^53 - 1`,
        FIX_DAMAGED_FILE,
        { tensor, headerPos: at },
      );
    }
    shape.push(count);
  }
  return shape;
}

function readOffsets(json: JsonReader, tensor: string, ctx: HeaderContext): [number, number] {
  const at = json.valueStart();
  const kind = json.peekKind();
  if (kind !== "array") return badOffsets(`is ${kindPhrase(kind)}`, tensor, at, ctx);
  const offsets: number[] = [];
  json.beginArray();
  while (json.nextItem()) {
    if (offsets.length === 2) badOffsets("has more than two items", tensor, at, ctx);
    const count = readCount(json);
    if (typeof count === "string") badOffsets(`has an item that is ${count}`, tensor, at, ctx);
    else offsets.push(count);
  }
  if (offsets.length !== 2) badOffsets(`has ${offsets.length} item${offsets.length === 1 ? "" : "s"}`, tensor, at, ctx);
  const [begin, end] = offsets as [number, number];
  if (end < begin) badOffsets(`[${begin}, ${end}] ends before it begins`, tensor, at, ctx);
  return [begin, end];
}

function badOffsets(found: string, tensor: string, headerPos: number, ctx: HeaderContext): never {
  const problem = `"data_offsets" ${found}; it must be [begin, end] with integers from 0 to 2^53 - 1`;
  return ctx.fail("BAD_OFFSETS", problem, FIX_DAMAGED_FILE, { tensor, headerPos });
}

/**
 * Consumes the next value and returns it when it is a count (a non-negative integer literal within
 * 2^53 - 1); otherwise returns a description of what was there, for the message.
 */
function readCount(json: JsonReader): number | string {
  const kind = json.peekKind();
  if (kind !== "number") return kindPhrase(kind);
  const number = json.readNumber();
  return number.isCount ? number.value : `the number ${truncateForMessage(json.text(number.start, number.end))}`;
}

/** Bytes for shape x dtype, or undefined past 2^53 - 1. A zero dimension makes it 0 outright. */
function checkedByteLength(shape: readonly number[], dtype: DType): number | undefined {
  if (shape.includes(0)) return 0;
  let n = dtypeBytes(dtype);
  for (const d of shape) {
    // Both factors are safe integers, so an exact product that is safe is computed exactly, and
    // one that is not rounds to >= 2^53, which isSafeInteger rejects.
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

/** Shapes can hold millions of dimensions in a hostile file; show only the first few. */
function describeShape(shape: readonly number[]): string {
  const shown = shape.slice(0, 8).join(", ");
  return shape.length > 8 ? `${shown}, ... (${shape.length} dims)` : shown;
}
