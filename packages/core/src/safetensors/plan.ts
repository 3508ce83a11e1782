/**
 * Decides the on-disk layout for writing: tensor order, data offsets and the padded header bytes.
 * The file writer and the in-memory serializer share it, so both produce identical bytes.
 */
import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { fileDTypeOf } from "./dtype-names.js";
import { SafetensorsError } from "./errors.js";
import { METADATA_KEY } from "./metadata.js";
import { DEFAULT_MAX_HEADER_BYTES } from "./options.js";
import { LENGTH_PREFIX_BYTES } from "./prefix.js";

/** Tensors to write: a record, or any iterable of [name, tensor] pairs (an array, a Map). */
export type TensorsToWrite = Readonly<Record<string, Tensor>> | Iterable<readonly [string, Tensor]>;

export interface PlannedTensor {
  readonly name: string;
  readonly tensor: Tensor;
  /** Relative to the start of the data buffer. */
  readonly begin: number;
  readonly byteLength: number;
}

export interface WritePlan {
  /** The length prefix followed by the space-padded header JSON; its length is a multiple of 8. */
  readonly prefixAndHeader: Uint8Array;
  /** In data order. */
  readonly tensors: readonly PlannedTensor[];
  readonly dataLength: number;
  readonly totalLength: number;
}

const HEADER_ALIGNMENT = 8;

/**
 * The reference implementation writes tensors in descending order of its dtype enum, then by
 * name. Using the same order makes our files byte-identical to its output for the same tensors
 * and, since the rank falls with element size and the header is padded to 8 bytes, puts every
 * tensor at a file offset that is a multiple of its element size (readers that map the file can
 * view tensors in place).
 */
const WRITE_RANK: Readonly<Record<DType, number>> = {
  i64: 0,
  f64: 1,
  f32: 2,
  i32: 3,
  bf16: 4,
  f16: 5,
  i16: 6,
  i8: 7,
  u8: 8,
  bool: 9,
};

/**
 * Plans the layout in the reference order above (names compared by Unicode code point, which is
 * the byte order of their UTF-8 encoding). `file` only labels errors.
 */
export function planSafetensors(
  tensors: TensorsToWrite,
  metadata: Readonly<Record<string, string>> | undefined,
  file: string,
): WritePlan {
  const entries = collectEntries(tensors, file);
  entries.sort(([nameA, a], [nameB, b]) => WRITE_RANK[a.dtype] - WRITE_RANK[b.dtype] || compareNames(nameA, nameB));

  const planned: PlannedTensor[] = [];
  const jsonMembers: string[] = [];
  const metadataJson = metadataToJson(metadata, file);
  if (metadataJson !== undefined) jsonMembers.push(`${JSON.stringify(METADATA_KEY)}:${metadataJson}`);
  let offset = 0;
  for (const [name, tensor] of entries) {
    const byteLength = tensor.byteLength;
    planned.push({ name, tensor, begin: offset, byteLength });
    const dtype = fileDTypeOf(tensor.dtype);
    const offsets = `${offset},${offset + byteLength}`;
    jsonMembers.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${tensor.shape.join(",")}],"data_offsets":[${offsets}]}`);
    offset += byteLength;
  }

  const prefixAndHeader = encodeHeader(`{${jsonMembers.join(",")}}`, file);
  return {
    prefixAndHeader,
    tensors: planned,
    dataLength: offset,
    totalLength: prefixAndHeader.length + offset,
  };
}

function collectEntries(tensors: TensorsToWrite, file: string): Array<[string, Tensor]> {
  const pairs: Iterable<readonly [string, Tensor]> = isIterable(tensors)
    ? tensors
    : Object.entries(tensors as Readonly<Record<string, Tensor>>);
  const seen = new Set<string>();
  const out: Array<[string, Tensor]> = [];
  for (const [name, tensor] of pairs) {
    if (typeof name !== "string" || name === METADATA_KEY || !isWellFormed(name)) {
      throw new SafetensorsError({
        code: "BAD_NAME",
        file,
        tensor: name,
        problem: "this cannot be a tensor name",
        fix: `Names must be well-formed Unicode strings other than "${METADATA_KEY}".`,
      });
    }
    if (seen.has(name)) {
      const fix = "Give every tensor a distinct name.";
      throw new SafetensorsError({ code: "BAD_NAME", file, tensor: name, problem: "the name is given twice", fix });
    }
    if (!(tensor instanceof Tensor)) {
      const problem = "the value is not a Tensor";
      throw new SafetensorsError({ code: "BAD_ENTRY", file, tensor: name, problem, fix: "Pass Tensor instances." });
    }
    seen.add(name);
    out.push([name, tensor]);
  }
  return out;
}

/** Metadata as JSON with sorted keys (deterministic output), or undefined when there is none. */
function metadataToJson(metadata: Readonly<Record<string, string>> | undefined, file: string): string | undefined {
  if (metadata === undefined) return undefined;
  const fix = "Metadata must map strings to strings; stringify other values (e.g. with JSON.stringify) first.";
  if (typeof metadata !== "object" || metadata === null) {
    throw new SafetensorsError({ code: "BAD_METADATA", file, problem: "the metadata is not an object", fix });
  }
  const keys = Object.keys(metadata).sort(compareNames);
  if (keys.length === 0) return undefined;
  const members = keys.map((key) => {
    const value = metadata[key];
    if (typeof value !== "string" || !isWellFormed(key) || !isWellFormed(value)) {
      const problem = `metadata entry ${JSON.stringify(key)} is not a well-formed string`;
      throw new SafetensorsError({ code: "BAD_METADATA", file, problem, fix });
    }
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${members.join(",")}}`;
}

function encodeHeader(json: string, file: string): Uint8Array {
  const jsonBytes = new TextEncoder().encode(json);
  const headerLength = Math.ceil(jsonBytes.length / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  // A header this large would be refused by every reader using the default limit, ours included.
  if (headerLength > DEFAULT_MAX_HEADER_BYTES) {
    throw new SafetensorsError({
      code: "HEADER_TOO_LARGE",
      file,
      problem: `the header would be ${headerLength} bytes, over the ${DEFAULT_MAX_HEADER_BYTES}-byte limit readers apply`,
      fix: "Split the tensors across several files (shards).",
    });
  }
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + headerLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(jsonBytes, LENGTH_PREFIX_BYTES);
  out.fill(0x20, LENGTH_PREFIX_BYTES + jsonBytes.length); // pad with spaces, which JSON ignores
  return out;
}

function isIterable(value: unknown): value is Iterable<readonly [string, Tensor]> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

/** Code point order, i.e. UTF-8 byte order (plain `<` compares UTF-16 units and differs above U+FFFF). */
function compareNames(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++; // both strings hold the same surrogate pair here
  }
  return a.length - b.length;
}

/** False for strings with lone surrogates, which cannot be encoded as UTF-8. */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
