import { Command, CommanderError } from "commander";
import { registerBench } from "./commands/bench.js";
import { registerCalibrate } from "./commands/calibrate.js";
import { registerConvert } from "./commands/convert.js";
import { registerEval } from "./commands/eval.js";
import { registerGenerate } from "./commands/generate.js";
import { registerInspect } from "./commands/inspect.js";
import { registerPrune } from "./commands/prune.js";
import { registerServe } from "./commands/serve.js";
import { registerSynth } from "./commands/synth.js";
import type { CommandContext } from "./context.js";
import { describeError } from "./errors.js";
import { processIo, writeJson, type CliIo } from "./io.js";
import { createLogger } from "./logger.js";

/** Commander codes that mean "done, successfully" (help or version was asked for). */
const SUCCESS_CODES = new Set(["commander.helpDisplayed", "commander.version"]);

/** The `sieve` program; commander never exits the process itself (tests run it in-process). */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command("sieve")
    .description("Sieve: serve sparse LLMs from TypeScript")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      // Errors are reported once, by runCli, as one line (or as JSON with --json).
      outputError: () => {},
    });
  registerGenerate(program, ctx);
  registerEval(program, ctx);
  registerInspect(program, ctx);
  registerSynth(program, ctx);
  registerConvert(program, ctx);
  registerBench(program, ctx);
  registerServe(program, ctx);
  registerPrune(program, ctx);
  registerCalibrate(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit code:
 * 0 on success, 1 on any error, reported as one line on stderr, or as {"error": {...}} on stdout
 * when --json was given, so that a --json caller always gets exactly one JSON object.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const json = argv.includes("--json");
  const ctx: CommandContext = { io, log: createLogger(io, json) };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError && SUCCESS_CODES.has(error.code)) return 0;
    // Commander already printed the help text that explains a missing command.
    if (error instanceof CommanderError && error.code === "commander.help") return 1;
    const report = describeError(error);
    if (json) writeJson(io, { error: report });
    else io.stderr.write(`sieve: error: ${report.message}\n`);
    if (io.env.SIEVE_DEBUG === "1" && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
