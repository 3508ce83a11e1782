/**
 * A strict pull parser for JSON (RFC 8259) over UTF-8 bytes. The header validator walks the
 * header with it instead of calling JSON.parse, because JSON.parse
 *  - cannot say at which byte a bad value sits, which error messages about a file need;
 *  - silently resolves repeated keys to "last one wins", where a tensor table should be refused;
 *  - builds the whole tree first: a hostile 100 MB header of `[0,0,0,...` in a field nobody reads
 *    becomes gigabytes of objects. Pulling values one at a time lets the validator keep only what
 *    it needs and skip everything else without allocating;
 *  - has no nesting limit of its own (here: MAX_JSON_DEPTH).
 *
 * Positions are byte indices into the input. The input must already be valid UTF-8 (see
 * findInvalidUtf8): only strings are decoded, and they are decoded whole.
 */

export type JsonKind = "object" | "array" | "string" | "number" | "literal";

export interface JsonKey {
  key: string;
  /** Position of the key's opening quote. */
  start: number;
}

export interface JsonNumber {
  start: number;
  end: number;
  value: number;
  /** A plain non-negative integer literal ("0", "42"; not "-0", "4.0", "4e1") within 2^53 - 1. */
  isCount: boolean;
}

/** A syntax error at a byte position of the parsed input. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly problem: string,
  ) {
    super(`${problem} at byte ${position}`);
    this.name = "JsonSyntaxError";
  }
}

/** Deep enough for anything a valid header holds (root -> entry -> shape is depth 3). */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** What each open container expects next: its first member, or a ',' before the next. */
type Open = "object-first" | "object-rest" | "array-first" | "array-rest";

// ignoreBOM keeps a leading U+FEFF of a string instead of silently dropping it.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class JsonReader {
  private pos = 0;
  private readonly open: Open[] = [];

  constructor(private readonly bytes: Uint8Array) {}

  /** Skips whitespace; the kind of the next value, which is not consumed. */
  peekKind(): JsonKind {
    this.skipWhitespace();
    const c = this.bytes[this.pos];
    if (c === undefined) this.fail("unexpected end of JSON, expected a value");
    if (c === OPEN_BRACE) return "object";
    if (c === OPEN_BRACKET) return "array";
    if (c === QUOTE) return "string";
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return "number";
    if (c === 0x74 || c === 0x66 || c === 0x6e) return "literal"; // t f n
    return this.fail(`unexpected character ${describeByte(c)}`);
  }

  /** Position of the next value (after whitespace). */
  valueStart(): number {
    this.skipWhitespace();
    return this.pos;
  }

  /** The raw JSON text between two positions, e.g. a number literal for a message. */
  text(start: number, end: number): string {
    return utf8.decode(this.bytes.subarray(start, end));
  }

  beginObject(): void {
    this.expectValue("object");
    this.enter("object-first");
  }

  /**
   * The next key of the innermost open object, positioned at its value, or undefined when the
   * object ends (its '}' is consumed).
   */
  nextKey(): JsonKey | undefined {
    if (!this.advance("object-first", "object-rest", CLOSE_BRACE, "'}'")) return undefined;
    const start = this.pos;
    if (this.bytes[start] !== QUOTE) this.fail("expected a string key");
    const key = this.scanString(true)!;
    this.skipWhitespace();
    if (this.bytes[this.pos] !== COLON) this.fail("expected ':' after the key");
    this.pos++;
    return { key, start };
  }

  beginArray(): void {
    this.expectValue("array");
    this.enter("array-first");
  }

  /** True when the innermost open array has another item (positioned at it); false at its end. */
  nextItem(): boolean {
    return this.advance("array-first", "array-rest", CLOSE_BRACKET, "']'");
  }

  readString(): string {
    this.expectValue("string");
    return this.scanString(true)!;
  }

  readNumber(): JsonNumber {
    this.expectValue("number");
    return this.scanNumber();
  }

  readLiteral(): boolean | null {
    this.expectValue("literal");
    const c = this.bytes[this.pos];
    const [word, value] = c === 0x74 ? (["true", true] as const) : c === 0x66 ? (["false", false] as const) : (["null", null] as const);
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.pos + i] !== word.charCodeAt(i)) this.fail(`invalid literal, expected '${word}'`);
    }
    this.pos += word.length;
    return value;
  }

  /** Checks and steps over the next value, however deep, decoding and keeping nothing. */
  skipValue(): void {
    const depth = this.open.length;
    for (;;) {
      const kind = this.peekKind();
      if (kind === "object") this.beginObject();
      else if (kind === "array") this.beginArray();
      else if (kind === "string") this.scanString(false);
      else if (kind === "number") this.scanNumber();
      else this.readLiteral();
      // Close finished containers until there is another value to skip, or we are back out.
      for (;;) {
        if (this.open.length === depth) return;
        const inObject = this.open[this.open.length - 1]!.startsWith("object");
        if (inObject ? this.advanceToKeyAndSkipIt() : this.nextItem()) break;
      }
    }
  }

  /** After the top-level value: only whitespace may follow. */
  finish(): void {
    if (this.open.length > 0) this.fail("internal: finish() with containers still open");
    this.skipWhitespace();
    if (this.pos < this.bytes.length) this.fail("unexpected content after the JSON value");
  }

  private fail(problem: string, position = this.pos): never {
    throw new JsonSyntaxError(position, problem);
  }

  private skipWhitespace(): void {
    const b = this.bytes;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  /** Callers must only read a value of the kind they checked with peekKind. */
  private expectValue(kind: JsonKind): void {
    const actual = this.peekKind();
    if (actual !== kind) this.fail(`expected ${kind}, found ${actual}`);
  }

  private enter(state: Open): void {
    if (this.open.length >= MAX_JSON_DEPTH) this.fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.pos++;
    this.open.push(state);
  }

  /** Handles the ',' or closing bracket between members; true when positioned at a member. */
  private advance(first: Open, rest: Open, close: number, closeName: string): boolean {
    const top = this.open.length - 1;
    const state = this.open[top];
    if (state !== first && state !== rest) this.fail("internal: no such container is open");
    this.skipWhitespace();
    const c = this.bytes[this.pos];
    if (c === close) {
      this.pos++;
      this.open.pop();
      return false;
    }
    if (state === rest) {
      if (c !== COMMA) this.fail(c === undefined ? "unexpected end of JSON" : `expected ',' or ${closeName}`);
      this.pos++;
    }
    this.open[top] = rest;
    this.skipWhitespace();
    if (this.pos >= this.bytes.length) this.fail("unexpected end of JSON");
    return true;
  }

  /** nextKey without decoding the key, for skipValue. */
  private advanceToKeyAndSkipIt(): boolean {
    if (!this.advance("object-first", "object-rest", CLOSE_BRACE, "'}'")) return false;
    if (this.bytes[this.pos] !== QUOTE) this.fail("expected a string key");
    this.scanString(false);
    this.skipWhitespace();
    if (this.bytes[this.pos] !== COLON) this.fail("expected ':' after the key");
    this.pos++;
    return true;
  }

  private scanNumber(): JsonNumber {
    const b = this.bytes;
    const start = this.pos;
    let plain = true;
    if (b[this.pos] === 0x2d) {
      plain = false;
      this.pos++;
    }
    if (b[this.pos] === 0x30) this.pos++;
    else if (isDigit(b[this.pos])) while (isDigit(b[this.pos])) this.pos++;
    else this.fail("invalid number: expected a digit");
    if (b[this.pos] === 0x2e) {
      plain = false;
      this.pos++;
      if (!isDigit(b[this.pos])) this.fail("invalid number: expected a digit after '.'");
      while (isDigit(b[this.pos])) this.pos++;
    }
    if (b[this.pos] === 0x65 || b[this.pos] === 0x45) {
      plain = false;
      this.pos++;
      if (b[this.pos] === 0x2b || b[this.pos] === 0x2d) this.pos++;
      if (!isDigit(b[this.pos])) this.fail("invalid number: expected a digit in the exponent");
      while (isDigit(b[this.pos])) this.pos++;
    }
    const end = this.pos;
    let value: number;
    if (plain && end - start <= 15) {
      // Exact without building a string: 15 digits stay below 2^53.
      value = 0;
      for (let i = start; i < end; i++) value = value * 10 + (b[i]! - 0x30);
    } else {
      value = Number(this.text(start, end));
    }
    return { start, end, value, isCount: plain && Number.isSafeInteger(value) };
  }

  /**
   * Validates the string at pos (its opening quote) and steps past it; returns its value when
   * `decode` is set. Two passes when escapes are present: the first finds the end and validates,
   * the second decodes into a buffer of exactly the right bound, so a short escaped key never
   * costs an allocation the size of the rest of the header.
   */
  private scanString(decode: boolean): string | undefined {
    const b = this.bytes;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= b.length) this.fail("unterminated string", start);
      const c = b[i]!;
      if (c === QUOTE) break;
      if (c < 0x20) this.fail(`unescaped control character ${describeByte(c)} in string`, i);
      if (c === BACKSLASH) {
        escaped = true;
        i = this.checkEscape(i);
      } else {
        i++;
      }
    }
    this.pos = i + 1;
    if (!decode) return undefined;
    return escaped ? decodeEscapedString(b, start + 1, i) : decodeRun(b, start + 1, i);
  }

  /** Validates the escape at `at` (its backslash); returns the position after it. */
  private checkEscape(at: number): number {
    const c = this.bytes[at + 1];
    if (c === undefined) this.fail("unterminated escape", at);
    if (c !== 0x75) {
      if (!SIMPLE_ESCAPES.has(c)) this.fail("invalid escape sequence", at);
      return at + 2;
    }
    const unit = this.hex4(at);
    // Surrogates must come as a high/low pair: a lone one cannot be encoded as UTF-8, and the
    // reference implementation refuses it, so names stay representable by every reader.
    if (unit >= 0xdc00 && unit <= 0xdfff) this.fail("lone low surrogate in \\u escape", at);
    if (unit < 0xd800 || unit > 0xdbff) return at + 6;
    const low = this.bytes[at + 6] === BACKSLASH && this.bytes[at + 7] === 0x75 ? this.hex4(at + 6) : -1;
    if (low < 0xdc00 || low > 0xdfff) this.fail("high surrogate in \\u escape is not followed by a low surrogate", at);
    return at + 12;
  }

  /** The 4 hex digits of the \u escape whose backslash is at `at`. */
  private hex4(at: number): number {
    let code = 0;
    for (let k = 2; k < 6; k++) {
      const digit = hexValue(this.bytes[at + k]);
      if (digit < 0) this.fail("invalid \\u escape: expected 4 hex digits", at);
      code = code * 16 + digit;
    }
    return code;
  }
}

/** Escape letters other than 'u', and the bytes they stand for. */
const ESCAPED_BYTE: ReadonlyMap<number, number> = new Map([
  [0x22, 0x22], // \"
  [0x5c, 0x5c], // \\
  [0x2f, 0x2f], // \/
  [0x62, 0x08], // \b
  [0x66, 0x0c], // \f
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
]);
const SIMPLE_ESCAPES: ReadonlySet<number> = new Set(ESCAPED_BYTE.keys());

/** Decodes raw (unescaped) UTF-8; short ASCII runs, most keys, skip the TextDecoder call. */
function decodeRun(b: Uint8Array, from: number, to: number): string {
  if (to - from <= 32) {
    let ascii = true;
    for (let i = from; i < to && ascii; i++) ascii = b[i]! < 0x80;
    if (ascii) return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
  }
  return utf8.decode(b.subarray(from, to));
}

/** Decodes an already-validated string body containing escapes. Escapes never expand, so the raw length bounds the output. */
function decodeEscapedString(b: Uint8Array, from: number, to: number): string {
  const out = new Uint8Array(to - from);
  let n = 0;
  let i = from;
  while (i < to) {
    const c = b[i]!;
    if (c !== BACKSLASH) {
      out[n++] = c;
      i++;
      continue;
    }
    const letter = b[i + 1]!;
    if (letter !== 0x75) {
      out[n++] = ESCAPED_BYTE.get(letter)!;
      i += 2;
      continue;
    }
    let codePoint = hexAt(b, i + 2);
    i += 6;
    if (codePoint >= 0xd800 && codePoint <= 0xdbff) {
      codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (hexAt(b, i + 2) - 0xdc00);
      i += 6;
    }
    n = writeUtf8(out, n, codePoint);
  }
  return utf8.decode(out.subarray(0, n));
}

function writeUtf8(out: Uint8Array, n: number, cp: number): number {
  if (cp < 0x80) {
    out[n++] = cp;
  } else if (cp < 0x800) {
    out[n++] = 0xc0 | (cp >> 6);
    out[n++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[n++] = 0xe0 | (cp >> 12);
    out[n++] = 0x80 | ((cp >> 6) & 0x3f);
    out[n++] = 0x80 | (cp & 0x3f);
  } else {
    out[n++] = 0xf0 | (cp >> 18);
    out[n++] = 0x80 | ((cp >> 12) & 0x3f);
    out[n++] = 0x80 | ((cp >> 6) & 0x3f);
    out[n++] = 0x80 | (cp & 0x3f);
  }
  return n;
}

function hexAt(b: Uint8Array, at: number): number {
  let code = 0;
  for (let k = 0; k < 4; k++) code = code * 16 + hexValue(b[at + k]);
  return code;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function describeByte(c: number): string {
  return c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, "0")}`;
}
