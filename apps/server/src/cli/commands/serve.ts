import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { BackendName } from "@sieve/core";
import { DEFAULT_MODEL_SPEC } from "../../http/default-model.js";
import { SERVER_DEFAULTS } from "../../http/server-options.js";
import { startServer } from "../../http/start-server.js";
import type { CommandContext } from "../context.js";
import { collect, nonNegativeInteger, positiveInteger } from "../option-parsers.js";

interface ServeFlags {
  model: string;
  tokenizer?: string;
  recipe?: string;
  host: string;
  port: number;
  maxSeqs?: number;
  kvBlocks?: number;
  maxWaiting: number;
  apiKey?: string;
  cors?: string[];
  servedModelName?: string;
  backend?: BackendName;
  requestTimeout: number;
  maxBodyBytes: number;
  shutdownGrace: number;
}

const BACKENDS = ["reference", "native", "cuda"];

function backendName(value: string): BackendName {
  if (!BACKENDS.includes(value)) throw new InvalidArgumentError(`Must be one of ${BACKENDS.join(", ")}.`);
  return value as BackendName;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("Must be a positive number of seconds.");
  return n;
}

export function registerServe(program: Command, ctx: CommandContext): void {
  program
    .command("serve")
    .description("serve a model over an OpenAI-compatible HTTP API, with a web UI at /")
    .option("-m, --model <spec>", `model: a HF directory, a .gguf or llama2.c .bin file, hf:org/name, or synth:PRESET ("${DEFAULT_MODEL_SPEC}": a tiny built-in synthetic model with random weights)`, DEFAULT_MODEL_SPEC)
    .option("--tokenizer <file>", "tokenizer file (llama2.c .bin) for checkpoints without one")
    .option("--recipe <file>", "activation-sparsity recipe (TEAL/CATS/DejaVu JSON) applied at load")
    .option("--host <host>", "interface to listen on", SERVER_DEFAULTS.host)
    .option("--port <n>", "port (0 = any free port)", nonNegativeInteger, SERVER_DEFAULTS.port)
    .option("--max-seqs <n>", "most sequences running at once (default 64)", positiveInteger)
    .option("--kv-blocks <n>", "KV cache blocks of 16 tokens (default: sized from 256 MiB)", positiveInteger)
    .option("--max-waiting <n>", "requests allowed to queue beyond --max-seqs before 429s", nonNegativeInteger, SERVER_DEFAULTS.maxWaiting)
    .option("--api-key <key>", "require `Authorization: Bearer <key>` on /v1/* (default: $SIEVE_API_KEY, else open)")
    .option("--cors <origin>", "allow browser calls from this origin (repeatable; comma-separated; * for any)", collect)
    .option("--served-model-name <name>", "the name clients send as `model` (default: from the spec)")
    .option("--backend <name>", `kernel backend: ${BACKENDS.join(", ")} (default: SIEVE_BACKEND, else native)`, backendName)
    .option("--request-timeout <s>", "a request still running after this many seconds ends with a timeout error", positiveSeconds, SERVER_DEFAULTS.requestTimeoutMs / 1000)
    .option("--max-body-bytes <n>", "largest request body (413 above)", positiveInteger, SERVER_DEFAULTS.maxBodyBytes)
    .option("--shutdown-grace <s>", "on SIGINT/SIGTERM, time in-flight requests get to finish", positiveSeconds, SERVER_DEFAULTS.shutdownGraceMs / 1000)
    .action((flags: ServeFlags) => runServe(ctx, flags));
}

/**
 * The first SIGINT or SIGTERM starts a graceful shutdown; a second one means "now": the process
 * exits at once (code 1) instead of waiting for the grace period. dispose() removes the handlers.
 */
function shutdownSignals(ctx: CommandContext): { first: Promise<string>; dispose(): void } {
  const again = (signal: NodeJS.Signals) => {
    ctx.io.stderr.write(`sieve serve: ${signal} again: exiting without waiting for in-flight requests\n`);
    process.exit(1);
  };
  let onFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<string>((resolve) => {
    onFirst = (signal) => {
      process.off("SIGINT", onFirst).off("SIGTERM", onFirst);
      process.once("SIGINT", again).once("SIGTERM", again);
      resolve(signal);
    };
  });
  process.on("SIGINT", onFirst).on("SIGTERM", onFirst);
  return {
    first,
    dispose: () => {
      process.off("SIGINT", onFirst).off("SIGTERM", onFirst).off("SIGINT", again).off("SIGTERM", again);
    },
  };
}

async function runServe(ctx: CommandContext, flags: ServeFlags): Promise<void> {
  const signals = shutdownSignals(ctx);
  const signal = signals.first;
  try {
    const server = await startServer({
      model: flags.model,
      tokenizer: flags.tokenizer,
      recipe: flags.recipe,
      host: flags.host,
      port: flags.port,
      apiKey: flags.apiKey ?? ctx.io.env.SIEVE_API_KEY,
      corsOrigins: (flags.cors ?? []).flatMap((c) => c.split(",")).map((c) => c.trim()).filter(Boolean),
      servedModelName: flags.servedModelName,
      maxWaiting: flags.maxWaiting,
      requestTimeoutMs: flags.requestTimeout * 1000,
      maxBodyBytes: flags.maxBodyBytes,
      shutdownGraceMs: flags.shutdownGrace * 1000,
      engine: { maxSeqs: flags.maxSeqs, kvBlocks: flags.kvBlocks, backend: flags.backend },
      logger: ctx.log,
    });
    ctx.io.stderr.write(`sieve serve: listening on ${server.url} (web UI at ${server.url}/, API at ${server.url}/v1); loading ${flags.model}...\n`);
    const loaded = server.ready.then(
      () => ({ kind: "ready" as const }),
      (error: unknown) => ({ kind: "failed" as const, error }),
    );
    const first = await Promise.race([loaded, signal.then((name) => ({ kind: "signal" as const, name }))]);
    if (first.kind === "failed") {
      await server.close(0);
      throw first.error;
    }
    if (first.kind === "ready") {
      const model = server.state.loaded!.model;
      ctx.io.stderr.write(`sieve serve: ready: serving ${model.id} at ${server.url}/v1${model.syntheticPreset ? ` (synthetic, random weights: ${model.description})` : ""}\n`);
    }
    const received = first.kind === "signal" ? first.name : await signal;
    ctx.io.stderr.write(`sieve serve: ${received}: shutting down (in-flight requests get ${flags.shutdownGrace} s)\n`);
    await server.close();
  } finally {
    signals.dispose();
  }
  ctx.io.stderr.write("sieve serve: stopped\n");
}
