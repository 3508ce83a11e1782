/**
 * UTF-8 validation that reports *where* the first bad byte is. TextDecoder's fatal mode only says
 * "invalid", and an error message about an untrusted file should point at the byte.
 */

/**
 * Index of the first byte that starts an invalid UTF-8 sequence (overlong forms, surrogates,
 * code points above U+10FFFF, bad or missing continuation bytes), or -1 when all bytes are valid.
 */
export function findInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    // The allowed range of the second byte depends on the lead byte (RFC 3629, table 3-7 of the
    // Unicode standard); every later continuation byte is 0x80..0xBF.
    let length: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) length = 2;
    else if (b0 === 0xe0) [length, lo] = [3, 0xa0];
    else if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) length = 3;
    else if (b0 === 0xed) [length, hi] = [3, 0x9f];
    else if (b0 === 0xf0) [length, lo] = [4, 0x90];
    else if (b0 >= 0xf1 && b0 <= 0xf3) length = 4;
    else if (b0 === 0xf4) [length, hi] = [4, 0x8f];
    else return i;
    if (i + length > n) return i;
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < length; k++) {
      const b = bytes[i + k]!;
      if (b < 0x80 || b > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
