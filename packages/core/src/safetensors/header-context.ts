/** Turns a problem found while validating a header into a SafetensorsError with file offsets. */
import { SafetensorsError, type SafetensorsErrorCode } from "./errors.js";
import { LENGTH_PREFIX_BYTES } from "./prefix.js";

export interface ProblemLocation {
  tensor?: string;
  /** Byte index inside the header JSON; converted to a file offset. */
  headerPos?: number;
  /** Absolute file offset, for problems located in the data buffer. */
  fileOffset?: number;
}

export class HeaderContext {
  constructor(readonly file: string) {}

  fail(code: SafetensorsErrorCode, problem: string, fix: string, where: ProblemLocation = {}): never {
    const offset =
      where.fileOffset ?? (where.headerPos === undefined ? undefined : LENGTH_PREFIX_BYTES + where.headerPos);
    throw new SafetensorsError({ code, file: this.file, tensor: where.tensor, offset, problem, fix });
  }
}
