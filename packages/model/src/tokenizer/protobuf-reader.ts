/**
 * The smallest protobuf wire-format reader that SentencePiece's .model needs: varints, 32-bit
 * and 64-bit fixed fields, and length-delimited fields (strings, bytes, nested messages). It
 * walks one message's fields in order; nested messages are read by a new reader over their bytes.
 * No schema: the caller knows which field number means what.
 */

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/). */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

export interface ProtobufField {
  /** The field number of the schema. */
  field: number;
  wireType: number;
  /** Absolute offset of the field's tag in the outermost buffer (for error messages). */
  offset: number;
  /** varint: the value (as a number; values beyond 2^53 lose precision, which no field here reaches). */
  varint?: number;
  /** varint: its low 32 bits as a signed int32 (how int32/enum fields read, -1 included). */
  int32?: number;
  /** fixed32: the 4 raw bytes' little-endian view. */
  fixed32?: DataView;
  /** lengthDelimited: the payload. */
  bytes?: Uint8Array;
}

/** Thrown for a truncated or malformed message; names the byte offset. */
export class ProtobufError extends Error {
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`${problem} at byte offset ${offset}`);
    this.name = "ProtobufError";
  }
}

/** Reads the fields of one message. `base` is its offset in the outermost buffer. */
export function* protobufFields(bytes: Uint8Array, base = 0): Generator<ProtobufField> {
  let pos = 0;
  let low32 = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    low32 = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new ProtobufError(base + pos, "the message ends inside a varint");
      const b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      // JS shifts keep 32 bits: exactly the int32 view of the value.
      if (i < 5) low32 |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new ProtobufError(base + pos, "a varint runs past 10 bytes");
  };
  const need = (n: number, what: string): void => {
    if (pos + n > bytes.length) throw new ProtobufError(base + pos, `the message ends inside ${what} (${n} bytes needed, ${bytes.length - pos} left)`);
  };
  while (pos < bytes.length) {
    const offset = base + pos;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) throw new ProtobufError(offset, "field number 0 is not valid");
    switch (wireType) {
      case WireType.varint:
        yield { field, wireType, offset, varint: varint(), int32: low32 | 0 };
        break;
      case WireType.fixed64:
        need(8, `fixed64 field ${field}`);
        pos += 8;
        yield { field, wireType, offset };
        break;
      case WireType.lengthDelimited: {
        const length = varint();
        need(length, `field ${field}`);
        const start = pos;
        pos += length;
        yield { field, wireType, offset, bytes: bytes.subarray(start, pos) };
        break;
      }
      case WireType.fixed32:
        need(4, `fixed32 field ${field}`);
        yield { field, wireType, offset, fixed32: new DataView(bytes.buffer, bytes.byteOffset + pos, 4) };
        pos += 4;
        break;
      default:
        throw new ProtobufError(offset, `wire type ${wireType} of field ${field} is not supported (groups are obsolete)`);
    }
  }
}

/** The payload's offset in the outermost buffer, for reading a nested message. */
export function nestedBase(parent: Uint8Array, parentBase: number, child: Uint8Array): number {
  return parentBase + (child.byteOffset - parent.byteOffset);
}
