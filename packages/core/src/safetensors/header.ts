/**
 * The one header validator. Both the file reader and the in-memory parser hand it the header
 * bytes and the total size, so a file is judged the same however it is read.
 */
import { FIX_DAMAGED_FILE } from "./errors.js";
import { HeaderContext } from "./header-context.js";
import { kindPhrase } from "./json-fields.js";
import { JsonReader, JsonSyntaxError } from "./json-reader.js";
import { checkCoverage, sortByDataOffset } from "./layout.js";
import { METADATA_KEY, readMetadata } from "./metadata.js";
import type { ResolvedReadOptions } from "./options.js";
import { LENGTH_PREFIX_BYTES } from "./prefix.js";
import { readTensorEntry } from "./tensor-entry.js";
import type { SafetensorsHeader, TensorInfo } from "./tensor-info.js";
import { findInvalidUtf8 } from "./utf8.js";

export interface HeaderSource {
  /** File path or buffer label, used in error messages. */
  file: string;
  /** Total size of the file or buffer in bytes (prefix + header + data). */
  totalSize: number;
  /** Exactly the header bytes announced by the length prefix. */
  headerBytes: Uint8Array;
}

export function validateHeader(source: HeaderSource, options: ResolvedReadOptions): SafetensorsHeader {
  // Annotated so TypeScript treats ctx.fail(): never as ending control flow.
  const ctx: HeaderContext = new HeaderContext(source.file);
  const bytes = source.headerBytes;
  const badByte = findInvalidUtf8(bytes);
  if (badByte >= 0) {
    ctx.fail("INVALID_UTF8", "the header is not valid UTF-8", FIX_DAMAGED_FILE, { headerPos: badByte });
  }
  const dataStart = LENGTH_PREFIX_BYTES + bytes.length;
  const dataLength = source.totalSize - dataStart;
  try {
    const { metadata, tensors } = readHeaderObject(new JsonReader(bytes), ctx, dataStart, dataLength);
    const sorted = sortByDataOffset(tensors);
    checkCoverage(sorted, dataStart, dataLength, options.allowGaps, ctx);
    return { metadata, tensors: sorted, dataStart, dataLength };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return ctx.fail("INVALID_JSON", `the header is not valid JSON: ${error.problem}`, FIX_DAMAGED_FILE, {
      headerPos: error.position,
    });
  }
}

/**
 * Walks the top-level object in document order, validating each entry as it is reached, so the
 * first problem in the header is the one reported.
 */
function readHeaderObject(
  json: JsonReader,
  ctx: HeaderContext,
  dataStart: number,
  dataLength: number,
): { metadata: Readonly<Record<string, string>>; tensors: TensorInfo[] } {
  const kind = json.peekKind();
  if (kind !== "object") {
    ctx.fail("NOT_AN_OBJECT", `the header is ${kindPhrase(kind)}, not a JSON object`, FIX_DAMAGED_FILE, {
      headerPos: json.valueStart(),
    });
  }
  json.beginObject();
  let metadata: Readonly<Record<string, string>> | undefined;
  const tensors: TensorInfo[] = [];
  const names = new Set<string>();
  for (let member = json.nextKey(); member; member = json.nextKey()) {
    const isMetadata = member.key === METADATA_KEY;
    if (isMetadata ? metadata !== undefined : names.has(member.key)) {
      const what = isMetadata ? `"${METADATA_KEY}"` : "the tensor name";
      ctx.fail("DUPLICATE_KEY", `${what} appears more than once in the header`, FIX_DAMAGED_FILE, {
        tensor: isMetadata ? undefined : member.key,
        headerPos: member.start,
      });
    }
    if (isMetadata) {
      metadata = readMetadata(json, ctx);
    } else {
      names.add(member.key);
      tensors.push(readTensorEntry(json, member.key, ctx, dataStart, dataLength));
    }
  }
  json.finish();
  return { metadata: metadata ?? Object.freeze(Object.create(null)), tensors };
}
