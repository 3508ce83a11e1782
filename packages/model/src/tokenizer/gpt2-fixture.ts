/**
 * A small hand-built byte-level BPE vocabulary for tests: the 256 byte characters (ids 0..255
 * in byte order), tokens made by a few merges, and three special tokens. The same vocabulary
 * serves the GGUF "gpt2" test and the Hugging Face tokenizer.json test, so the two
 * implementations can be checked against each other. Tests only; not exported.
 */
import { BYTE_TO_CHAR } from "./byte-level.js";

/** Merges in rank order; each produces the concatenation of its two sides. */
export const GPT2_FIXTURE_MERGES = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "Ġa n", "Ġan d", "3 4", "' M", "Ã ©"];
export const GPT2_FIXTURE_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

export function gpt2FixtureTokens(): string[] {
  const tokens = [...BYTE_TO_CHAR];
  for (const merge of GPT2_FIXTURE_MERGES) tokens.push(merge.replace(" ", ""));
  return [...tokens, ...GPT2_FIXTURE_SPECIALS];
}

/** The GGUF metadata of the fixture, with a chosen tokenizer.ggml.pre. */
export function gpt2FixtureMetadata(pre: string): Record<string, unknown> {
  const tokens = gpt2FixtureTokens();
  const specials = GPT2_FIXTURE_SPECIALS.length;
  return {
    "tokenizer.ggml.model": "gpt2",
    "tokenizer.ggml.pre": pre,
    "tokenizer.ggml.tokens": tokens,
    "tokenizer.ggml.token_type": tokens.map((_, id) => (id >= tokens.length - specials ? 3 : 1)),
    "tokenizer.ggml.merges": GPT2_FIXTURE_MERGES,
    "tokenizer.ggml.bos_token_id": tokens.indexOf("<|endoftext|>"),
    "tokenizer.ggml.eos_token_id": tokens.indexOf("<|endoftext|>"),
    "tokenizer.ggml.eot_token_id": tokens.indexOf("<|im_end|>"),
  };
}
