/** POST /tokenize and POST /detokenize (vLLM's endpoints): the serving tokenizer, without generating. */
import type { FastifyInstance } from "fastify";
import { badRequest } from "../api-error.js";
import { checkModelName } from "../model-name.js";
import { chatPrompt } from "../prompts.js";
import { DetokenizeRequestSchema, TokenizeRequestSchema, type DetokenizeRequest, type TokenizeRequest } from "../schemas/tokenize.js";
import type { ServingState } from "../serving-state.js";

export function registerTokenize(app: FastifyInstance, state: ServingState): void {
  app.post("/tokenize", { schema: { body: TokenizeRequestSchema } }, async (request) => {
    const { model, engine } = state.ready();
    const body = request.body as TokenizeRequest;
    checkModelName(body.model, model);
    const tokenizer = model.tokenizer;
    if (!tokenizer) throw badRequest("This model has no tokenizer.", null, "no_tokenizer");
    const tokens = "messages" in body
      ? chatPrompt(body.messages, tokenizer, body.add_generation_prompt ?? true).ids
      : tokenizer.encode(body.prompt, body.add_special_tokens === false ? { addBos: false } : undefined);
    return { count: tokens.length, max_model_len: engine.info.maxSeqLen, tokens };
  });

  app.post("/detokenize", { schema: { body: DetokenizeRequestSchema } }, async (request) => {
    const { model, engine } = state.ready();
    const body = request.body as DetokenizeRequest;
    checkModelName(body.model, model);
    if (!model.tokenizer) throw badRequest("This model has no tokenizer.", null, "no_tokenizer");
    body.tokens.forEach((id, i) => {
      if (id < 0 || id >= engine.info.vocabSize) throw badRequest(`tokens[${i}] = ${id} is not in [0, ${engine.info.vocabSize})`, `tokens[${i}]`, "invalid_token_id");
    });
    return { prompt: model.tokenizer.decode(body.tokens) };
  });
}
