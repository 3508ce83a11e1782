/** The /v1/completions response: `text_completion` objects, streamed or whole. */
import type { EngineTokenEvent } from "../engine/index.js";
import { CompletionLogprobsBuilder, type TokenNamer } from "./logprobs-format.js";
import type { Envelope, FinishReason, ResponseShape, UsageBody } from "./response-shape.js";

interface ChoiceState {
  text: string;
  finishReason: FinishReason | null;
  logprobs: CompletionLogprobsBuilder | undefined;
}

export interface CompletionShapeOptions {
  envelope: Envelope;
  /** Choices in order; `echo` is the prompt text to put in front (when echo was asked). */
  choices: { echo: string }[];
  /** logprobs was given (any number, 0 included). */
  logprobs: boolean;
  namer: TokenNamer;
}

export class CompletionShape implements ResponseShape {
  private readonly states: ChoiceState[];

  constructor(private readonly o: CompletionShapeOptions) {
    this.states = o.choices.map((c) => ({ text: c.echo, finishReason: null, logprobs: o.logprobs ? new CompletionLogprobsBuilder(o.namer, c.echo.length) : undefined }));
  }

  opening(): object[] {
    return this.o.choices.flatMap((c, index) => (c.echo ? [this.chunk(index, c.echo, null, null)] : []));
  }

  token(choice: number, text: string, token: EngineTokenEvent): object[] {
    const state = this.states[choice]!;
    state.text += text;
    const logprobs = state.logprobs?.add(token, text) ?? null;
    return text || logprobs ? [this.chunk(choice, text, logprobs, null)] : [];
  }

  finish(choice: number, text: string, reason: FinishReason): object[] {
    const state = this.states[choice]!;
    state.text += text;
    state.finishReason = reason;
    return [this.chunk(choice, text, null, reason)];
  }

  usageChunk(usage: UsageBody): object {
    return { ...this.head(), choices: [], usage };
  }

  full(usage: UsageBody): object {
    const { id, created, model } = this.o.envelope;
    return {
      id,
      object: "text_completion",
      created,
      model,
      choices: this.states.map((s, index) => ({ index, text: s.text, logprobs: s.logprobs?.value ?? null, finish_reason: s.finishReason })),
      usage,
    };
  }

  private head() {
    const { id, created, model } = this.o.envelope;
    return { id, object: "text_completion", created, model };
  }

  private chunk(index: number, text: string, logprobs: unknown, finishReason: FinishReason | null): object {
    const chunk: Record<string, unknown> = { ...this.head(), choices: [{ index, text, logprobs, finish_reason: finishReason }] };
    if (this.o.envelope.includeUsage) chunk.usage = null;
    return chunk;
  }
}
