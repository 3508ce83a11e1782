import type { Command } from "commander";
import { encodeChat, generate, type FinishReason, type GenerateOptions, type Tokenizer } from "@sieve/model";
import { printResult, type CommandContext, type ModelFlags } from "../context.js";
import { CliUsageError } from "../errors.js";
import { loadModel, requireTokenizer } from "../load-model.js";
import { collect, nonNegativeInteger, nonNegativeNumber, positiveInteger, tokenIdList, unitInterval } from "../option-parsers.js";
import { createProgress } from "../progress.js";
import { withModelOptions } from "./model-options.js";

interface GenerateFlags extends ModelFlags {
  prompt: string;
  promptIds?: number[];
  maxTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  chat?: boolean;
  stop?: string[];
}

export function registerGenerate(program: Command, ctx: CommandContext): void {
  withModelOptions(program.command("generate").description("generate a continuation of a prompt (streams text to stdout)"))
    .option("-p, --prompt <text>", "prompt text (default: empty, i.e. start from BOS)", "")
    .option("--prompt-ids <ids>", "prompt as comma-separated token ids, used as they are (instead of --prompt)", tokenIdList)
    .option("-n, --max-tokens <n>", "most tokens to generate", positiveInteger, 128)
    .option("-t, --temperature <t>", "sampling temperature; 0 = greedy (default: the checkpoint's, else 1)", nonNegativeNumber)
    .option("--top-k <k>", "keep the k most likely tokens (0 = off)", nonNegativeInteger)
    .option("--top-p <p>", "nucleus sampling mass in (0, 1]", unitInterval)
    .option("--seed <n>", "RNG seed: the same seed gives the same text", nonNegativeInteger)
    .option("--chat", "wrap the prompt as one user message in the model's chat template")
    .option("--stop <text>", "stop before this text (repeatable)", collect)
    .action((flags: GenerateFlags) => runGenerate(ctx, flags));
}

async function runGenerate(ctx: CommandContext, flags: GenerateFlags): Promise<void> {
  const loaded = await loadModel(flags.model, { tokenizer: flags.tokenizer, recipe: flags.recipe, log: ctx.log, progress: createProgress(ctx.io, !!flags.json, "loading") });
  const tokenizer = requireTokenizer(loaded, ctx.log);
  const promptIds = flags.promptIds ?? encodePrompt(tokenizer, flags, loaded.checkpoint.config.bosTokenId);
  const options: GenerateOptions = {
    promptIds,
    maxTokens: flags.maxTokens,
    temperature: flags.temperature,
    topK: flags.topK,
    topP: flags.topP,
    seed: flags.seed,
    stop: flags.stop,
    defaults: loaded.checkpoint.generation,
  };

  let text = "";
  const tokenIds: number[] = [];
  let finishReason: FinishReason = "length";
  let completionTokens = 0;
  const start = performance.now();
  let firstTokenAt: number | undefined;
  for await (const event of generate(loaded.model, tokenizer, options)) {
    firstTokenAt ??= performance.now();
    text += event.text;
    if (!flags.json && event.text) ctx.io.stdout.write(event.text);
    if (event.type === "token") tokenIds.push(event.tokenId);
    else {
      finishReason = event.finishReason;
      completionTokens = event.usage.completionTokens;
    }
  }
  const end = performance.now();
  const prefillMs = (firstTokenAt ?? end) - start;
  const decodeMs = end - (firstTokenAt ?? end);
  // The first token comes from the prefill; the rest are decode steps.
  const decodeSteps = Math.max(0, completionTokens - 1);
  const timing = {
    load_ms: round(loaded.loadSeconds * 1000),
    prefill_ms: round(prefillMs),
    decode_ms: round(decodeMs),
    decode_tok_s: decodeSteps > 0 ? round((decodeSteps * 1000) / decodeMs) : null,
  };
  const usage = { prompt_tokens: promptIds.length, completion_tokens: completionTokens, total_tokens: promptIds.length + completionTokens };
  if (flags.json) {
    printResult(ctx, true, { text, token_ids: tokenIds, finish_reason: finishReason, prompt_ids: promptIds, usage, timing }, () => "");
    return;
  }
  ctx.io.stdout.write("\n");
  const rate = timing.decode_tok_s === null ? "" : `, ${timing.decode_tok_s} tok/s`;
  ctx.io.stderr.write(`[${completionTokens} tokens, finish: ${finishReason}, prompt ${promptIds.length} tokens in ${timing.prefill_ms} ms${rate}]\n`);
}

/** The prompt's token ids: chat-templated with --chat, else encoded with the tokenizer's BOS convention. */
function encodePrompt(tokenizer: Tokenizer, flags: GenerateFlags, bosId: number | undefined): number[] {
  if (flags.chat) {
    if (!tokenizer.hasChatTemplate) throw new CliUsageError(`--chat: this ${tokenizer.kind} tokenizer has no chat template; drop --chat`, "--chat");
    return encodeChat(tokenizer, [{ role: "user", content: flags.prompt }]);
  }
  const ids = tokenizer.encode(flags.prompt);
  // An empty prompt means "start a new document": BOS alone, as models trained with BOS expect.
  if (ids.length === 0 && bosId !== undefined) return [bosId];
  if (ids.length === 0) throw new CliUsageError("--prompt is empty and the model has no BOS token to start from; give a prompt", "--prompt");
  return ids;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
