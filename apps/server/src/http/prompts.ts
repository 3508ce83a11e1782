/**
 * Prompts to token ids, on the HTTP thread: completion prompts in the four shapes OpenAI takes,
 * and chat conversations through the model's chat template. Every failure is a 400 naming the
 * parameter.
 */
import { encodeChat, hasChatTemplate, type ChatMessage, type Tokenizer } from "@sieve/model";
import { badRequest } from "./api-error.js";
import type { ChatMessageInput } from "./schemas/chat.js";
import type { CompletionRequest } from "./schemas/completions.js";

export interface EncodedPrompt {
  ids: number[];
  /** The prompt text (for echo), when it was given as text. */
  text?: string;
}

function checkIds(ids: readonly number[], vocabSize: number, param: string): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw badRequest(`${param} holds token id ${id}, which is not in [0, ${vocabSize})`, param, "invalid_token_id");
  }
}

function encodeText(text: string, tokenizer: Tokenizer | undefined, param: string): number[] {
  if (!tokenizer) throw badRequest(`This model has no tokenizer: send ${param} as an array of token ids.`, param, "no_tokenizer");
  const ids = tokenizer.encode(text);
  // An empty prompt means "start a new document" when the model has a BOS token (as `sieve generate` does).
  if (ids.length === 0 && tokenizer.bosId !== undefined) return [tokenizer.bosId];
  if (ids.length === 0) throw badRequest(`${param} is empty and this model has no BOS token to start from; give some text.`, param, "empty_prompt");
  return ids;
}

/** Each prompt of a completions request, in order (a list of prompts gives one choice set each). */
export function completionPrompts(prompt: CompletionRequest["prompt"], tokenizer: Tokenizer | undefined, vocabSize: number): EncodedPrompt[] {
  if (typeof prompt === "string") return [{ ids: encodeText(prompt, tokenizer, "prompt"), text: prompt }];
  if (prompt.length > 0 && prompt.every((p) => typeof p === "number")) {
    const ids = prompt as number[];
    checkIds(ids, vocabSize, "prompt");
    return [{ ids }];
  }
  return (prompt as (string | number[])[]).map((p, i) => {
    const param = `prompt[${i}]`;
    if (typeof p === "string") return { ids: encodeText(p, tokenizer, param), text: p };
    checkIds(p, vocabSize, param);
    return { ids: [...p] };
  });
}

/** A message's text: a string, or text parts joined; other parts (images, audio) cannot be served. */
function messageText(message: ChatMessageInput, index: number): string {
  const { content } = message;
  if (content === null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, j) => {
      if (part.type !== "text" || typeof part.text !== "string") {
        throw badRequest(`messages[${index}].content[${j}] is a "${part.type}" part; this model takes text parts only.`, `messages[${index}].content[${j}].type`, "unsupported_content");
      }
      return part.text;
    })
    .join("");
}

/** The conversation rendered with the model's chat template and encoded. */
export function chatPrompt(messages: ChatMessageInput[], tokenizer: Tokenizer | undefined, addGenerationPrompt: boolean): EncodedPrompt {
  if (!tokenizer || !hasChatTemplate(tokenizer)) {
    throw badRequest(
      "This model has no chat template, so /v1/chat/completions cannot format a conversation for it. Use /v1/completions with a plain prompt, or serve a model whose tokenizer_config.json (or GGUF metadata) has a chat_template.",
      "messages",
      "chat_template_missing",
    );
  }
  const chat: ChatMessage[] = messages.map((m, i) => ({ role: m.role, content: messageText(m, i) }));
  try {
    return { ids: encodeChat(tokenizer, chat, { addGenerationPrompt }) };
  } catch (e) {
    // Templates reject conversations they cannot format (e.g. roles that do not alternate).
    throw badRequest(`The model's chat template rejected the messages: ${(e as Error).message}`, "messages", "chat_template_error");
  }
}
