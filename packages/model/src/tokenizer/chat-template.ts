/**
 * Chat templates: the Jinja program a model ships (tokenizer_config.json "chat_template", or
 * GGUF "tokenizer.chat_template") rendered with @huggingface/jinja, with the variables
 * transformers' apply_chat_template passes: messages, bos_token, eos_token, add_generation_prompt.
 */
import { Template } from "@huggingface/jinja";
import type { ChatMessage, Tokenizer } from "./types.js";

export interface ChatTemplateOptions {
  /** End with the opening of an assistant turn, so the model answers next. Default false, as in transformers. */
  addGenerationPrompt?: boolean;
  /** More template variables (e.g. `tools`, `documents`), passed through as given. */
  variables?: Record<string, unknown>;
}

export class ChatTemplate {
  private parsed: Template | undefined;

  constructor(
    /** The Jinja source. */
    readonly source: string,
    /** Texts of the special tokens the template may print. */
    readonly specialTokens: { bosToken?: string; eosToken?: string } = {},
  ) {}

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    try {
      return this.template().render({
        ...options.variables,
        messages,
        bos_token: this.specialTokens.bosToken ?? "",
        eos_token: this.specialTokens.eosToken ?? "",
        add_generation_prompt: options.addGenerationPrompt ?? false,
      });
    } catch (error) {
      // Templates call raise_exception() for conversations they reject (e.g. roles that do not
      // alternate); that message is the useful part, so keep it.
      throw new Error(`chat template failed to render: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Parsed on first use, so a template the engine cannot parse fails a chat request, not loading. */
  private template(): Template {
    if (!this.parsed) {
      try {
        this.parsed = new Template(this.source);
      } catch (error) {
        throw new Error(`chat template could not be parsed: ${(error as Error).message}`, { cause: error });
      }
    }
    return this.parsed;
  }
}

/** Narrows a tokenizer to one whose applyChatTemplate can be called. */
export function hasChatTemplate(tokenizer: Tokenizer): tokenizer is Tokenizer & Required<Pick<Tokenizer, "applyChatTemplate">> {
  return tokenizer.hasChatTemplate && typeof tokenizer.applyChatTemplate === "function";
}

/**
 * Renders a conversation and encodes it for generation (with the assistant prompt by default).
 * Many templates print bos_token themselves; BOS is then not added a second time, which is the
 * classic double-BOS mistake. Special-token text in the rendered prompt is parsed into tokens.
 */
export function encodeChat(
  tokenizer: Tokenizer,
  messages: ChatMessage[],
  options: { addGenerationPrompt?: boolean } = {},
): number[] {
  if (!hasChatTemplate(tokenizer)) {
    throw new Error(`this ${tokenizer.kind} tokenizer has no chat template; send a plain completion prompt instead`);
  }
  const prompt = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: options.addGenerationPrompt ?? true });
  const ids = tokenizer.encode(prompt, { parseSpecial: true });
  const bos = tokenizer.bosId;
  if (bos !== undefined && ids[0] === bos && ids[1] === bos) ids.shift();
  return ids;
}
