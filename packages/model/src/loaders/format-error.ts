/**
 * The error every checkpoint reader in this folder (llama2.c, GGUF) throws for a malformed or
 * unsupported file. It names the file, the field (a header field or a tensor name) and, where one
 * position is meaningful, the byte offset, so the message alone is enough to find the problem.
 */
export class CheckpointFormatError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    /** Absolute byte offset in the file, when one position is meaningful. */
    readonly offset: number | undefined,
    /** What is wrong, as a sentence fragment. */
    readonly problem: string,
    /** What the reader of the message can do about it (optional). */
    readonly fix?: string,
  ) {
    const at = offset === undefined ? "" : ` at byte ${offset}`;
    super(`${file}: ${field}${at}: ${problem}${fix ? `. ${fix}` : ""}`);
    this.name = "CheckpointFormatError";
  }
}
