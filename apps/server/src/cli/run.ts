import { runCli } from "./program.js";

// Sets the exit code instead of calling process.exit, so stdout is flushed before the process ends.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
