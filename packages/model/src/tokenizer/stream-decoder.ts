/**
 * The one detokenizer behind every tokenizer's decode() and createStreamDecoder(): tokens map to
 * bytes (tokenBytes), the bytes go through a streaming UTF-8 decoder, and only complete
 * characters come out. A character split across byte-fallback or byte-level tokens is held back
 * until its last byte arrives, so no chunk ever carries half a character (no U+FFFD, no lone
 * surrogate) for valid UTF-8. decode(ids) is the same machine fed all at once, so the chunks of
 * a stream always concatenate to decode() of the same ids.
 */
import type { StreamDecoder, StreamDecoderOptions } from "./types.js";

/** What a tokenizer tells the detokenizer about its tokens. */
export interface TokenByteSource {
  /** The bytes a token contributes to text (a special token: the bytes of its text). */
  tokenBytes(id: number): Uint8Array;
  /** Whether a token is left out when special tokens are skipped. */
  isSpecial(id: number): boolean;
  /**
   * Whether `id`'s leading space (byte 0x20) is dropped when it follows `previousId` (undefined:
   * nothing came before). SentencePiece encoders put a dummy-prefix space at the start of text,
   * and this undoes it; byte-level vocabularies never drop anything.
   */
  dropsLeadingSpace(previousId: number | undefined, id: number): boolean;
}

const SPACE = 0x20;

export class Utf8StreamDecoder implements StreamDecoder {
  // ignoreBOM: a U+FEFF the model generates is text, not a byte-order mark to swallow.
  private readonly utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  private readonly skipSpecial: boolean;
  private previousId: number | undefined;

  constructor(
    private readonly source: TokenByteSource,
    options: StreamDecoderOptions = {},
  ) {
    this.skipSpecial = options.skipSpecial ?? true;
    this.previousId = options.previousId;
  }

  push(id: number): string {
    const previousId = this.previousId;
    // Skipped specials still count as context: the token after a skipped BOS loses its prefix.
    this.previousId = id;
    if (this.skipSpecial && this.source.isSpecial(id)) return "";
    let bytes = this.source.tokenBytes(id);
    if (bytes[0] === SPACE && this.source.dropsLeadingSpace(previousId, id)) bytes = bytes.subarray(1);
    if (bytes.length === 0) return "";
    // stream: true keeps an incomplete trailing sequence inside the decoder for the next call.
    return this.utf8.decode(bytes, { stream: true });
  }

  flush(): string {
    return this.utf8.decode();
  }
}

/** decode() for any TokenByteSource: the stream decoder fed every id, then flushed. */
export function decodeTokens(source: TokenByteSource, ids: readonly number[], options: StreamDecoderOptions = {}): string {
  const decoder = new Utf8StreamDecoder(source, options);
  let text = "";
  for (const id of ids) text += decoder.push(id);
  return text + decoder.flush();
}
