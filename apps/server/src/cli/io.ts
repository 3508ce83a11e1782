/**
 * Where the CLI writes: stdout carries the result (streamed text, a human summary, or exactly one
 * JSON object with --json); stderr carries everything else (logs, warnings, progress bars). Tests
 * run the CLI in-process with their own sinks.
 */
export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink & { isTTY?: boolean; columns?: number };
  env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
};

/** Writes the one JSON object of a --json run, on one line. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}
