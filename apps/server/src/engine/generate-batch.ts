/**
 * Offline batch generation, like vLLM's LLM.generate: submit every prompt at once, let the
 * engine batch them continuously, and collect each completion in prompt order.
 */
import type { TokenLogprob } from "@sieve/model";
import type { Engine } from "./engine.js";
import type { EngineErrorEvent, EngineFinishReason, EngineRequest, EngineUsage } from "./types.js";

export interface BatchCompletion {
  /** The completion's text (stop strings and stop tokens excluded). */
  text: string;
  /** Emitted token ids (a final stop token id excluded). */
  tokenIds: number[];
  /** Per emitted token, when logprobs were asked for. */
  logprobs?: Array<{ tokenId: number; logprob: number; topLogprobs?: TokenLogprob[] }>;
  /** Undefined when the request failed (see error). */
  finishReason?: EngineFinishReason;
  usage?: EngineUsage;
  stoppedBy?: number | string;
  error?: Pick<EngineErrorEvent, "code" | "message" | "param">;
}

/** A prompt: text, or a full request (its own parameters override the shared ones). */
export type BatchPrompt = string | EngineRequest;

/** Generates a completion for each prompt with the shared parameters; failures are reported per prompt, never thrown. */
export async function generateBatch(engine: Engine, prompts: readonly BatchPrompt[], params: EngineRequest = {}): Promise<BatchCompletion[]> {
  const streams = prompts.map((p) => engine.submit(typeof p === "string" ? { ...params, id: undefined, prompt: p } : { ...params, id: undefined, ...p }));
  return Promise.all(
    streams.map(async (stream) => {
      const out: BatchCompletion = { text: "", tokenIds: [] };
      for await (const e of stream) {
        if (e.type === "token") {
          out.text += e.text;
          out.tokenIds.push(e.tokenId);
          if (e.logprob !== undefined) (out.logprobs ??= []).push({ tokenId: e.tokenId, logprob: e.logprob, ...(e.topLogprobs ? { topLogprobs: e.topLogprobs } : {}) });
        } else if (e.type === "finish") {
          out.text += e.text;
          out.finishReason = e.finishReason;
          out.usage = e.usage;
          if (e.stoppedBy !== undefined) out.stoppedBy = e.stoppedBy;
        } else {
          out.error = { code: e.code, message: e.message, ...(e.param ? { param: e.param } : {}) };
        }
      }
      return out;
    }),
  );
}
