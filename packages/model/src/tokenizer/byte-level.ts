/**
 * GPT-2's byte-level alphabet: every byte maps to one printable Unicode character, so a
 * byte-level BPE vocabulary can store arbitrary bytes as ordinary strings ("Ġ" is the space).
 * Printable Latin-1 bytes map to themselves; the other 68 bytes take U+0100 onwards in order.
 */
import { utf8Bytes } from "./byte-strings.js";

function buildByteToChar(): string[] {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : 256 + shifted++));
  return table;
}

/** BYTE_TO_CHAR[b] is the character standing for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((char, byte) => [char, byte]));

/** Text -> its UTF-8 bytes spelled in the byte-level alphabet (what BPE merges operate on). */
export function toByteLevel(text: string): string {
  let out = "";
  for (const byte of utf8Bytes(text)) out += BYTE_TO_CHAR[byte];
  return out;
}

/**
 * A byte-level token's text -> the raw bytes it stands for. A character outside the alphabet
 * (which a well-formed vocabulary never has) contributes its own UTF-8 bytes.
 */
export function fromByteLevel(token: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of token) {
    const byte = CHAR_TO_BYTE.get(char);
    if (byte !== undefined) bytes.push(byte);
    else bytes.push(...utf8Bytes(char));
  }
  return Uint8Array.from(bytes);
}
