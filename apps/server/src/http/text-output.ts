/**
 * Turns one engine request's token and finish events into the text a choice shows.
 *
 * Normally the engine's worker decodes text and applies stop strings, and this passes its text
 * through. A checkpoint without a tokenizer (synthetic models) has no text in the worker; then
 * this thread decodes the ids with the serving tokenizer and matches the stop strings itself,
 * cancelling the engine request when one is found (its blocks are freed at once).
 */
import { StopStringMatcher, type StreamDecoder, type Tokenizer } from "@sieve/model";
import type { EngineFinishEvent, EngineTokenEvent } from "../engine/index.js";

export interface TextStep {
  text: string;
  /** Set when a stop string was found on this thread: the request must be cancelled and reported as "stop". */
  stoppedHere?: boolean;
}

export interface TextOutput {
  token(event: EngineTokenEvent): TextStep;
  finish(event: EngineFinishEvent): string;
}

class EngineText implements TextOutput {
  token(event: EngineTokenEvent): TextStep {
    return { text: event.text };
  }
  finish(event: EngineFinishEvent): string {
    return event.text;
  }
}

class LocalText implements TextOutput {
  private readonly decoder: StreamDecoder;
  private readonly matcher: StopStringMatcher;

  constructor(tokenizer: Tokenizer, stop: readonly string[], lastPromptId: number | undefined) {
    this.decoder = tokenizer.createStreamDecoder({ skipSpecial: true, previousId: lastPromptId });
    this.matcher = new StopStringMatcher(stop);
  }

  token(event: EngineTokenEvent): TextStep {
    if (this.matcher.stopped) return { text: "" };
    const { text, stopped } = this.matcher.push(this.decoder.push(event.tokenId));
    return stopped ? { text, stoppedHere: true } : { text };
  }

  finish(): string {
    if (this.matcher.stopped) return "";
    return this.matcher.push(this.decoder.flush()).text + this.matcher.flush();
  }
}

export function createTextOutput(decodedByEngine: boolean, tokenizer: Tokenizer | undefined, stop: readonly string[], promptIds: readonly number[]): TextOutput {
  if (decodedByEngine || !tokenizer) return new EngineText();
  return new LocalText(tokenizer, stop, promptIds.at(-1));
}
