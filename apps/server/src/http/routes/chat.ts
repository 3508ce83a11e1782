/** POST /v1/chat/completions: a conversation through the model's chat template, n choices, JSON or streamed. */
import type { FastifyInstance } from "fastify";
import { badRequest } from "../api-error.js";
import { ChatShape } from "../chat-shape.js";
import { fitContext } from "../context-limit.js";
import { TokenNamer } from "../logprobs-format.js";
import { checkModelName } from "../model-name.js";
import { chatPrompt } from "../prompts.js";
import { choiceSeeds, samplingParams, stopStrings } from "../request-params.js";
import { respondJson, respondStream } from "../respond.js";
import { randomId } from "../response-shape.js";
import { startGeneration } from "../run-generation.js";
import { ChatRequestSchema, type ChatRequest } from "../schemas/chat.js";
import type { ResolvedServerOptions } from "../server-options.js";
import type { ServingState } from "../serving-state.js";

function rejectUnsupported(body: ChatRequest): void {
  if (body.tools && body.tools.length > 0) throw badRequest("tools (function calling) are not supported by this server.", "tools", "unsupported_parameter");
  const format = body.response_format?.type;
  if (format && format !== "text") throw badRequest(`response_format "${format}" is not supported; only "text".`, "response_format", "unsupported_parameter");
  if (body.top_logprobs && !body.logprobs) throw badRequest("top_logprobs needs logprobs: true.", "top_logprobs", "invalid_parameter");
}

export function registerChat(app: FastifyInstance, state: ServingState, options: ResolvedServerOptions): void {
  app.post("/v1/chat/completions", { schema: { body: ChatRequestSchema } }, async (request, reply) => {
    const serving = state.ready();
    const { model, engine } = serving;
    const body = request.body as ChatRequest;
    checkModelName(body.model, model);
    rejectUnsupported(body);

    const prompt = chatPrompt(body.messages, model.tokenizer, body.add_generation_prompt ?? true);
    const n = body.n ?? 1;
    const wantLogprobs = !!body.logprobs;
    const shared = samplingParams(body, { logprobs: wantLogprobs, topLogprobs: body.top_logprobs ?? 0 }, engine.info.vocabSize);
    const asked = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const { maxTokens } = fitContext(prompt.ids.length, asked, undefined, engine.info.maxSeqLen, "messages");
    const stop = stopStrings(body.stop);
    const choices = choiceSeeds(shared.seed, n).map((seed) => ({ request: { ...shared, promptIds: prompt.ids, maxTokens, seed, timeoutMs: options.requestTimeoutMs }, stop }));

    const includeUsage = !!body.stream && !!body.stream_options?.include_usage;
    const shape = new ChatShape({
      envelope: { id: randomId("chatcmpl"), created: Math.floor(Date.now() / 1000), model: model.id, includeUsage },
      choiceCount: n,
      logprobs: wantLogprobs,
      namer: new TokenNamer(model.tokenizer),
    });
    const generation = startGeneration(state, serving, options, request.id, choices);
    const respond = { generation, shape, promptTokens: prompt.ids.length, n, stream: !!body.stream, includeUsage, keepAliveMs: options.keepAliveMs };
    if (body.stream) return respondStream(reply, respond);
    return respondJson(reply, respond);
  });
}
