/**
 * Byte-exact text handling for SentencePiece-style vocabularies. Their pieces are UTF-8 byte
 * sequences, and merging must compare bytes, not JS strings (a llama2.c vocabulary could hold a
 * piece that is not valid UTF-8). A "byte string" is a JS string with one char (0..255) per byte:
 * concatenation and Map lookups then work on bytes directly.
 */

const encoder = new TextEncoder();

export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** One char per byte; built in slices because String.fromCharCode takes a bounded argument list. */
export function bytesToByteString(bytes: Uint8Array): string {
  let out = "";
  const slice = 8192;
  for (let i = 0; i < bytes.length; i += slice) {
    out += String.fromCharCode(...bytes.subarray(i, i + slice));
  }
  return out;
}

export function byteStringToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The UTF-8 bytes of `text` as a byte string. */
export function utf8ByteString(text: string): string {
  return bytesToByteString(utf8Bytes(text));
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** The byte a SentencePiece byte-fallback piece such as "<0x0A>" stands for, else undefined. */
export function byteOfByteToken(piece: string): number | undefined {
  const match = BYTE_TOKEN.exec(piece);
  return match ? parseInt(match[1]!, 16) : undefined;
}

/** "<0xNN>" with upper-case hex, as SentencePiece writes byte-fallback pieces. */
export function byteTokenText(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}

/**
 * Splits a byte string into UTF-8 characters the way llama2.c's run.c does: a new character
 * starts at every byte that is not a continuation byte (10xxxxxx), or after 4 bytes at most, so
 * invalid input still splits into bounded pieces.
 */
export function splitUtf8Chars(byteString: string): string[] {
  const chars: string[] = [];
  let start = 0;
  for (let i = 1; i <= byteString.length; i++) {
    const atEnd = i === byteString.length;
    const continuation = !atEnd && (byteString.charCodeAt(i) & 0xc0) === 0x80;
    if (atEnd || !continuation || i - start >= 4) {
      chars.push(byteString.slice(start, i));
      start = i;
    }
  }
  return chars;
}
