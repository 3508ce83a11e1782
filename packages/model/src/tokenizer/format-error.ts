/**
 * The error every tokenizer reader in this folder throws for a malformed or unsupported input
 * (tokenizer.bin, GGUF tokenizer metadata, tokenizer.json). It names the source, the field and,
 * where one position is meaningful, the byte offset, so the message alone locates the problem.
 */
export class TokenizerFormatError extends Error {
  constructor(
    /** A file path, or a description such as "GGUF metadata" when there is no file. */
    readonly source: string,
    /** The field or key that is wrong (e.g. "token 17 length", "tokenizer.ggml.model"). */
    readonly field: string,
    /** Absolute byte offset in the file, when one position is meaningful. */
    readonly offset: number | undefined,
    /** What is wrong, as a sentence fragment. */
    readonly problem: string,
    /** What the reader of the message can do about it (optional). */
    readonly fix?: string,
  ) {
    const at = offset === undefined ? "" : ` at byte offset ${offset}`;
    super(`${source}: ${field}${at}: ${problem}${fix ? `. ${fix}` : ""}`);
    this.name = "TokenizerFormatError";
  }
}
