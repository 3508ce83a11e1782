import type { LlamaModel } from "../arch/llama.js";
import type { TokenLogprob } from "../sampling/logprobs.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { FinishReason, Usage } from "./events.js";
import { generate } from "./generate.js";
import type { GenerateOptions } from "./options.js";

export interface GeneratedText {
  /** The completion (stop strings and stop tokens excluded). */
  text: string;
  /** The emitted tokens (a final stop token id excluded). */
  tokenIds: number[];
  finishReason: FinishReason;
  usage: Usage;
  /** Per emitted token, when logprobs were asked for. */
  logprobs?: Array<{ tokenId: number; logprob: number; topLogprobs?: TokenLogprob[] }>;
  stoppedBy?: number | string;
}

/** Runs generate() to the end and collects its events. */
export async function generateText(model: LlamaModel, tokenizer: Tokenizer, options: GenerateOptions): Promise<GeneratedText> {
  let text = "";
  const tokenIds: number[] = [];
  const logprobs: NonNullable<GeneratedText["logprobs"]> = [];
  for await (const e of generate(model, tokenizer, options)) {
    text += e.text;
    if (e.type === "token") {
      tokenIds.push(e.tokenId);
      if (e.logprob !== undefined) logprobs.push({ tokenId: e.tokenId, logprob: e.logprob, ...(e.topLogprobs ? { topLogprobs: e.topLogprobs } : {}) });
    } else {
      const result: GeneratedText = { text, tokenIds, finishReason: e.finishReason, usage: e.usage };
      if (logprobs.length) result.logprobs = logprobs;
      if (e.stoppedBy !== undefined) result.stoppedBy = e.stoppedBy;
      return result;
    }
  }
  throw new Error("generateText: generation ended without a finish event");
}
