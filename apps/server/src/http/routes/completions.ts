/** POST /v1/completions: prompts (text or token ids, one or several) x n choices, JSON or streamed. */
import type { FastifyInstance } from "fastify";
import { badRequest } from "../api-error.js";
import { CompletionShape } from "../completion-shape.js";
import { fitContext } from "../context-limit.js";
import type { ChoiceRequest } from "../generation.js";
import { TokenNamer } from "../logprobs-format.js";
import { checkModelName } from "../model-name.js";
import { completionPrompts } from "../prompts.js";
import { choiceSeeds, samplingParams, stopStrings } from "../request-params.js";
import { respondJson, respondStream } from "../respond.js";
import { randomId } from "../response-shape.js";
import { startGeneration } from "../run-generation.js";
import { CompletionRequestSchema, type CompletionRequest } from "../schemas/completions.js";
import type { ResolvedServerOptions } from "../server-options.js";
import type { ServingState } from "../serving-state.js";

/** OpenAI's default for the legacy completions endpoint. */
const DEFAULT_COMPLETION_TOKENS = 16;

function rejectUnsupported(body: CompletionRequest, n: number): void {
  if (body.suffix) throw badRequest("suffix (insertion) is not supported by this server.", "suffix", "unsupported_parameter");
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== n) {
    throw badRequest("best_of other than n is not supported (choices are not ranked server-side).", "best_of", "unsupported_parameter");
  }
  if (body.echo && body.logprobs !== undefined && body.logprobs !== null) {
    throw badRequest("echo together with logprobs would need prompt logprobs, which this server does not compute.", "echo", "unsupported_parameter");
  }
}

export function registerCompletions(app: FastifyInstance, state: ServingState, options: ResolvedServerOptions): void {
  app.post("/v1/completions", { schema: { body: CompletionRequestSchema } }, async (request, reply) => {
    const serving = state.ready();
    const { model, engine } = serving;
    const body = request.body as CompletionRequest;
    checkModelName(body.model, model);
    const n = body.n ?? 1;
    rejectUnsupported(body, n);

    const prompts = completionPrompts(body.prompt, model.tokenizer, engine.info.vocabSize);
    const wantLogprobs = body.logprobs !== undefined && body.logprobs !== null;
    const shared = samplingParams(body, { logprobs: wantLogprobs, topLogprobs: body.logprobs ?? 0 }, engine.info.vocabSize);
    const stop = stopStrings(body.stop);
    const seeds = choiceSeeds(shared.seed, n);
    const choices: ChoiceRequest[] = prompts.flatMap((prompt, i) => {
      const param = prompts.length > 1 ? `prompt[${i}]` : "prompt";
      const { maxTokens } = fitContext(prompt.ids.length, body.max_tokens ?? undefined, DEFAULT_COMPLETION_TOKENS, engine.info.maxSeqLen, param);
      return seeds.map((seed) => ({ request: { ...shared, promptIds: prompt.ids, maxTokens, seed, timeoutMs: options.requestTimeoutMs }, stop }));
    });

    const echoOf = (i: number) => (body.echo ? (prompts[i]!.text ?? model.tokenizer?.decode(prompts[i]!.ids) ?? "") : "");
    const includeUsage = !!body.stream && !!body.stream_options?.include_usage;
    const shape = new CompletionShape({
      envelope: { id: randomId("cmpl"), created: Math.floor(Date.now() / 1000), model: model.id, includeUsage },
      choices: choices.map((_, c) => ({ echo: echoOf(Math.floor(c / n)) })),
      logprobs: wantLogprobs,
      namer: new TokenNamer(model.tokenizer),
    });
    const generation = startGeneration(state, serving, options, request.id, choices);
    const respond = { generation, shape, promptTokens: prompts.reduce((s, p) => s + p.ids.length, 0), n, stream: !!body.stream, includeUsage, keepAliveMs: options.keepAliveMs };
    if (body.stream) return respondStream(reply, respond);
    return respondJson(reply, respond);
  });
}
