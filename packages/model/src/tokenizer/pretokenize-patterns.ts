/**
 * The regular expressions byte-level BPE tokenizers split text with before merging, by the name
 * GGUF gives them in tokenizer.ggml.pre. Words never merge across these boundaries.
 *
 * Llama 3's pattern starts with a case-insensitive group (?i:'s|'t|...); Node 20's RegExp has no
 * inline modifiers, so the contractions spell out both cases instead, which matches the same text.
 */

const GPT2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
const CONTRACTIONS_ANY_CASE = String.raw`'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]`;
const LLAMA3 = String.raw`${CONTRACTIONS_ANY_CASE}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
/** Qwen2 is Llama 3's pattern with digits split one by one. */
const QWEN2 = String.raw`${CONTRACTIONS_ANY_CASE}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

const PATTERNS: Readonly<Record<string, string>> = {
  default: GPT2,
  gpt2: GPT2,
  "llama-bpe": LLAMA3,
  llama3: LLAMA3,
  qwen2: QWEN2,
};

export const SUPPORTED_PRETOKENIZERS: readonly string[] = Object.keys(PATTERNS);

/** The split pattern for a tokenizer.ggml.pre value, or undefined when it is not known here. */
export function pretokenizePattern(pre: string): RegExp | undefined {
  const source = PATTERNS[pre];
  return source === undefined ? undefined : new RegExp(source, "gu");
}

/** The pattern's source for a tokenizer.ggml.pre value (JS syntax, which the tokenizers library reads too). */
export function pretokenizePatternSource(pre: string): string | undefined {
  return PATTERNS[pre];
}

/** Llama 3-style tokenizer.json files write the contractions as one case-insensitive group. */
const CASE_INSENSITIVE_CONTRACTIONS = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)`;

/**
 * The tokenizer.ggml.pre name of a tokenizer.json Split regex (as llama.cpp's converter names
 * them), or undefined when the pattern is none of those known here.
 */
export function pretokenizerNameOfRegex(regex: string): string | undefined {
  const spelled = regex.replace(CASE_INSENSITIVE_CONTRACTIONS, CONTRACTIONS_ANY_CASE);
  if (spelled === GPT2) return "gpt2";
  if (spelled === LLAMA3) return "llama-bpe";
  if (spelled === QWEN2) return "qwen2";
  return undefined;
}

/** Splits text into pre-tokens; text the pattern does not cover (none, for these) is kept too. */
export function pretokenize(text: string, pattern: RegExp): string[] {
  const pieces: string[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index! > last) pieces.push(text.slice(last, match.index));
    pieces.push(match[0]);
    last = match.index! + match[0].length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}
