import type { Logger } from "pino";
import { writeJson, type CliIo } from "./io.js";

/** What every command's action gets: where to write, and the log. */
export interface CommandContext {
  io: CliIo;
  log: Logger;
}

/** Options every model command takes. */
export interface ModelFlags {
  model: string;
  tokenizer?: string;
  /** Activation-sparsity recipe file applied after loading. */
  recipe?: string;
  json?: boolean;
}

/**
 * Prints a command's result: the JSON object with --json, else the human text (stdout). Human
 * text is built lazily so that --json never pays for formatting.
 */
export function printResult(ctx: CommandContext, json: boolean | undefined, value: object, human: () => string): void {
  if (json) writeJson(ctx.io, value);
  else ctx.io.stdout.write(human());
}
