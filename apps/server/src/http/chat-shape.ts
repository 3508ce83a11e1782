/** The /v1/chat/completions response: `chat.completion` objects, or `chat.completion.chunk` deltas. */
import type { EngineTokenEvent } from "../engine/index.js";
import { chatLogprobEntry, type ChatLogprobEntry, type TokenNamer } from "./logprobs-format.js";
import type { Envelope, FinishReason, ResponseShape, UsageBody } from "./response-shape.js";

interface ChoiceState {
  content: string;
  finishReason: FinishReason | null;
  logprobs: ChatLogprobEntry[] | undefined;
}

export interface ChatShapeOptions {
  envelope: Envelope;
  choiceCount: number;
  logprobs: boolean;
  namer: TokenNamer;
}

export class ChatShape implements ResponseShape {
  private readonly states: ChoiceState[];

  constructor(private readonly o: ChatShapeOptions) {
    this.states = Array.from({ length: o.choiceCount }, () => ({ content: "", finishReason: null, logprobs: o.logprobs ? [] : undefined }));
  }

  opening(): object[] {
    return this.states.map((_, index) => this.chunk(index, { role: "assistant", content: "" }, null, null));
  }

  token(choice: number, text: string, token: EngineTokenEvent): object[] {
    const state = this.states[choice]!;
    state.content += text;
    let logprobs: { content: ChatLogprobEntry[] } | null = null;
    if (state.logprobs) {
      const entry = chatLogprobEntry(this.o.namer, token);
      state.logprobs.push(entry);
      logprobs = { content: [entry] };
    }
    return text || logprobs ? [this.chunk(choice, { content: text }, logprobs, null)] : [];
  }

  finish(choice: number, text: string, reason: FinishReason): object[] {
    const state = this.states[choice]!;
    state.content += text;
    state.finishReason = reason;
    // OpenAI's last chunk of a choice has an empty delta; text held back until the end goes before it.
    const rest = text ? [this.chunk(choice, { content: text }, null, null)] : [];
    return [...rest, this.chunk(choice, {}, null, reason)];
  }

  usageChunk(usage: UsageBody): object {
    return { ...this.head(), choices: [], usage };
  }

  full(usage: UsageBody): object {
    return {
      ...this.head("chat.completion"),
      choices: this.states.map((s, index) => ({
        index,
        message: { role: "assistant", content: s.content },
        logprobs: s.logprobs ? { content: s.logprobs } : null,
        finish_reason: s.finishReason,
      })),
      usage,
    };
  }

  private head(object = "chat.completion.chunk") {
    const { id, created, model } = this.o.envelope;
    return { id, object, created, model };
  }

  private chunk(index: number, delta: object, logprobs: unknown, finishReason: FinishReason | null): object {
    const chunk: Record<string, unknown> = { ...this.head(), choices: [{ index, delta, logprobs, finish_reason: finishReason }] };
    if (this.o.envelope.includeUsage) chunk.usage = null;
    return chunk;
  }
}
