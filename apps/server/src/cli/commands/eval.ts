import { Option, type Command } from "commander";
import { compareModels, evaluatePerplexity, readDocuments, tokenizeDocuments, TINYSTORIES_SEPARATOR, type BosPolicy, type EvalWindowOptions } from "@sieve/model";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { CliUsageError } from "../errors.js";
import { loadModel, requireTokenizer } from "../load-model.js";
import { positiveInteger } from "../option-parsers.js";
import { createProgress } from "../progress.js";
import { withModelOptions } from "./model-options.js";

interface EvalFlags extends ModelFlags {
  data: string;
  ctx?: number;
  stride?: number;
  separator: string;
  bos?: BosPolicy;
  compare?: string;
}

/** The default window when --ctx is not given: 512 tokens, or the model's whole context if shorter. */
const DEFAULT_CTX = 512;

export function registerEval(program: Command, ctx: CommandContext): void {
  withModelOptions(program.command("eval").description("perplexity on a text file (NLL in nats/token); with --compare, KL and top-1 agreement"))
    .requiredOption("-d, --data <file>", "UTF-8 text file, documents separated by --separator")
    .option("--ctx <n>", `tokens per window (default ${DEFAULT_CTX}, at most the model's context)`, positiveInteger)
    .option("--stride <n>", "tokens between window starts (default: ctx, i.e. disjoint windows)", positiveInteger)
    .option("--separator <text>", "document separator", TINYSTORIES_SEPARATOR)
    .addOption(new Option("--bos <policy>", "BOS at the start of each document (default per-document when the model has BOS)").choices(["per-document", "none"]))
    .option("--compare <spec>", "a second model to compare with --model (the reference): KL(model || compare), top-1 agreement")
    .action((flags: EvalFlags) => runEval(ctx, flags));
}

async function runEval(ctx: CommandContext, flags: EvalFlags): Promise<void> {
  const json = !!flags.json;
  // The text first: a wrong path fails before a long model load.
  const texts = await readDocuments(flags.data, flags.separator);
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, recipe: flags.recipe, log: ctx.log, progress: createProgress(ctx.io, json, "loading") });
  const tokenizer = requireTokenizer(loaded, ctx.log);
  const documents = tokenizeDocuments(tokenizer, texts);
  if (documents.length === 0) throw new CliUsageError(`--data ${flags.data}: no documents (the file is empty or holds only separators)`, "--data");
  const c = loaded.checkpoint.config;
  if (flags.ctx !== undefined && flags.ctx > c.maxSeqLen) {
    throw new CliUsageError(`--ctx ${flags.ctx} exceeds the model's context of ${c.maxSeqLen} tokens`, "--ctx");
  }
  const windowCtx = flags.ctx ?? Math.min(DEFAULT_CTX, c.maxSeqLen);
  if (flags.stride !== undefined && flags.stride > windowCtx) throw new CliUsageError(`--stride ${flags.stride} exceeds --ctx ${windowCtx}`, "--stride");
  const progress = createProgress(ctx.io, json, "scoring");
  const options: EvalWindowOptions = { ctx: windowCtx, stride: flags.stride, bos: flags.bos, onProgress: (done, total) => progress.update(done, total) };
  const bos = flags.bos ?? (c.bosTokenId !== undefined ? "per-document" : "none");
  const start = performance.now();
  try {
    if (flags.compare) {
      const other = await loadModel(flags.compare, { tokenizer: flags.tokenizer, log: ctx.log });
      const r = await compareModels(loaded.model, other.model, documents, options);
      const seconds = (performance.now() - start) / 1000;
      const result = {
        tokens: r.tokens,
        nll: r.nllA,
        ppl: Math.exp(r.nllA),
        kl: r.kl,
        top1_agreement: r.top1Agreement,
        compare: { model: flags.compare, nll: r.nllB, ppl: Math.exp(r.nllB) },
        documents: documents.length,
        ctx: windowCtx,
        stride: flags.stride ?? windowCtx,
        bos,
        seconds: round(seconds, 3),
      };
      progress.stop();
      printResult(ctx, flags.json, result, () =>
        `nll ${fmt(r.nllA)} nats/token  ppl ${fmt(result.ppl)}  (${r.tokens} tokens, ${documents.length} documents, ctx ${windowCtx})\n` +
        `compare: nll ${fmt(r.nllB)}  ppl ${fmt(result.compare.ppl)}  KL ${fmt(r.kl)} nats/token  top-1 agreement ${fmt(100 * r.top1Agreement, 2)}%\n`,
      );
      return;
    }
    const r = await evaluatePerplexity(loaded.model, documents, options);
    const seconds = (performance.now() - start) / 1000;
    progress.stop();
    const result = {
      tokens: r.tokens,
      nll: r.nll,
      ppl: r.ppl,
      total_nll: r.totalNll,
      documents: r.documents,
      windows: r.windows,
      ctx: windowCtx,
      stride: flags.stride ?? windowCtx,
      bos,
      seconds: round(seconds, 3),
      tok_s: round(r.tokens / seconds, 1),
    };
    printResult(ctx, flags.json, result, () =>
      `nll ${fmt(r.nll)} nats/token  ppl ${fmt(r.ppl)}  (${r.tokens} tokens, ${r.documents} documents, ${r.windows} windows, ctx ${windowCtx}, ${result.tok_s} tok/s)\n`,
    );
  } finally {
    progress.stop();
  }
}

function fmt(x: number, digits = 4): string {
  return x.toFixed(digits);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
