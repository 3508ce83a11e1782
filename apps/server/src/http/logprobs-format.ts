/**
 * Log-probabilities in OpenAI's two shapes: the legacy completions object (parallel arrays) and
 * the chat one (a list of token entries with bytes). Token strings come from the serving
 * tokenizer's bytes of each token, decoded leniently (a token holding part of a UTF-8 character
 * shows U+FFFD; its exact bytes are in `bytes`).
 */
import type { TokenLogprob, Tokenizer } from "@sieve/model";
import type { EngineTokenEvent } from "../engine/index.js";

const lenientUtf8 = new TextDecoder("utf-8");

export class TokenNamer {
  constructor(private readonly tokenizer: Tokenizer | undefined) {}

  bytes(id: number): number[] {
    const t = this.tokenizer;
    if (!t) return [];
    if (t.tokenBytes) return [...t.tokenBytes(id)];
    return [...new TextEncoder().encode(t.decode([id], { skipSpecial: false }))];
  }

  text(id: number): string {
    if (!this.tokenizer) return `<${id}>`;
    return lenientUtf8.decode(Uint8Array.from(this.bytes(id)));
  }
}

/** OpenAI completions `logprobs`: parallel arrays over the generated tokens. */
export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  text_offset: number[];
}

export class CompletionLogprobsBuilder {
  readonly value: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };

  constructor(
    private readonly namer: TokenNamer,
    /** Characters before the first generated token (the echoed prompt). */
    private offset: number,
  ) {}

  /** Adds one token; `text` is the text that token made visible. Returns the entries it added (for a stream chunk). */
  add(token: EngineTokenEvent, text: string): CompletionLogprobs {
    const name = this.namer.text(token.tokenId);
    const top: Record<string, number> = {};
    for (const alt of token.topLogprobs ?? []) top[this.namer.text(alt.tokenId)] = alt.logprob;
    const entry = { tokens: [name], token_logprobs: [token.logprob ?? 0], top_logprobs: [top], text_offset: [this.offset] };
    this.offset += text.length;
    this.value.tokens.push(name);
    this.value.token_logprobs.push(entry.token_logprobs[0]!);
    this.value.top_logprobs.push(top);
    this.value.text_offset.push(entry.text_offset[0]!);
    return entry;
  }
}

/** One entry of OpenAI chat `logprobs.content`. */
export interface ChatLogprobEntry {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export function chatLogprobEntry(namer: TokenNamer, token: EngineTokenEvent): ChatLogprobEntry {
  const alt = (t: TokenLogprob) => ({ token: namer.text(t.tokenId), logprob: t.logprob, bytes: namer.bytes(t.tokenId) });
  return {
    token: namer.text(token.tokenId),
    logprob: token.logprob ?? 0,
    bytes: namer.bytes(token.tokenId),
    top_logprobs: (token.topLogprobs ?? []).map(alt),
  };
}
