import { Utf8StreamDecoder, decodeTokens, type EncodeOptions, type StreamDecoder, type StreamDecoderOptions, type TokenByteSource, type Tokenizer } from "@sieve/model";

const EMPTY = new Uint8Array(0);

/**
 * The stand-in tokenizer for checkpoints that ship none (synthetic models): token id = UTF-8 byte.
 * Only for vocabularies of at least 256 ids; ids above 255 decode to nothing. The model's BOS/EOS
 * ids count as special (for test-tiny they are bytes 1 and 2, control characters text never has).
 */
export class ByteTokenizer implements Tokenizer, TokenByteSource {
  readonly kind = "bytes";
  readonly hasChatTemplate = false;
  private readonly specials: ReadonlySet<number>;

  constructor(
    readonly vocabSize: number,
    readonly bosId: number | undefined,
    readonly eosIds: readonly number[],
  ) {
    if (vocabSize < 256) throw new RangeError(`a byte tokenizer needs a vocabulary of at least 256 ids, the model has ${vocabSize}`);
    this.specials = new Set([...(bosId === undefined ? [] : [bosId]), ...eosIds]);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = [...new TextEncoder().encode(text)];
    if ((options.addBos ?? true) && this.bosId !== undefined) ids.unshift(this.bosId);
    if (options.addEos && this.eosIds[0] !== undefined) ids.push(this.eosIds[0]);
    return ids;
  }

  decode(ids: readonly number[], options?: StreamDecoderOptions): string {
    return decodeTokens(this, ids, options);
  }

  idToToken(id: number): string {
    return id < 256 ? `<0x${id.toString(16).toUpperCase().padStart(2, "0")}>` : `<${id}>`;
  }

  tokenBytes(id: number): Uint8Array {
    return id >= 0 && id < 256 ? Uint8Array.of(id) : EMPTY;
  }

  isSpecial(id: number): boolean {
    return this.specials.has(id);
  }

  dropsLeadingSpace(): boolean {
    return false;
  }

  createStreamDecoder(options?: StreamDecoderOptions): StreamDecoder {
    return new Utf8StreamDecoder(this, options);
  }
}
