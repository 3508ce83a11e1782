/**
 * The GGUF vocabulary of a Hugging Face tokenizer.json, as llama.cpp's converter builds it, for
 * the two BPE families GGUF tokenizers run:
 * - byte-level BPE (GPT-2, Llama 3, Qwen2: a ByteLevel pre-tokenizer) -> "gpt2": the vocabulary,
 *   the merges, and tokenizer.ggml.pre named after the split pattern;
 * - SentencePiece-style BPE (Llama 2, Mistral: "▁" for spaces, byte fallback) -> "llama": the
 *   vocabulary with scores. tokenizer.json has merge ranks, not scores; each piece scores minus
 *   the rank of the first merge that makes it, so "best score first" picks the merges "lowest
 *   rank first" would (the caveat of hf-tokenizer-export.ts applies in reverse).
 * Added tokens become control tokens (special) or user-defined ones (not special), and ids no
 * entry covers become unused "[PAD<id>]" tokens. Anything GGUF cannot express (WordPiece,
 * Unigram, other normalizers or pre-tokenizers) is refused with the field that says so.
 */
import { TokenizerFormatError } from "./format-error.js";
import { GgufTokenType, type GgufVocabulary } from "./gguf-tokenizer.js";
import { pretokenizerNameOfRegex } from "./pretokenize-patterns.js";
import { byteOfByteToken } from "./byte-strings.js";

type Json = Record<string, unknown>;
const SPACE = "\u2581";

/** What the HfTokenizer knows beyond tokenizer.json (from tokenizer_config.json and generation_config.json). */
export interface HfTokenizerConventions {
  bosId: number | undefined;
  eosIds: readonly number[];
  addBos: boolean;
  addEos: boolean;
  padId?: number;
  chatTemplate: string | undefined;
  /** Named in errors. */
  source: string;
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

export function ggufVocabularyOfTokenizerJson(json: Json, conventions: HfTokenizerConventions): GgufVocabulary {
  const fail = (field: string, problem: string): never => {
    throw new TokenizerFormatError(conventions.source, field, undefined, problem, "GGUF holds byte-level BPE (\"gpt2\") and SentencePiece BPE (\"llama\") vocabularies only");
  };
  const model = (json.model ?? {}) as Json;
  if (model.type !== "BPE") fail("model.type", `${JSON.stringify(model.type)} has no GGUF form`);
  const vocab = (model.vocab ?? {}) as Record<string, number>;
  const added = ((json.added_tokens as AddedToken[] | undefined) ?? []).filter((t) => Number.isInteger(t.id));
  const merges = mergePairs(model.merges);

  let size = 0;
  for (const id of Object.values(vocab)) size = Math.max(size, id + 1);
  for (const t of added) size = Math.max(size, t.id + 1);
  const tokens: (string | undefined)[] = new Array(size).fill(undefined);
  for (const [text, id] of Object.entries(vocab)) tokens[id] = text;
  const tokenTypes = new Uint8Array(size).fill(GgufTokenType.normal);
  for (const t of added) {
    tokens[t.id] = t.content;
    tokenTypes[t.id] = t.special ? GgufTokenType.control : GgufTokenType.userDefined;
  }
  tokens.forEach((text, id) => {
    if (text !== undefined) return;
    tokens[id] = `[PAD${id}]`;
    tokenTypes[id] = GgufTokenType.unused;
  });
  const unkId = typeof model.unk_token === "string" ? vocab[model.unk_token] : undefined;
  if (unkId !== undefined && tokenTypes[unkId] === GgufTokenType.normal) tokenTypes[unkId] = GgufTokenType.unknown;

  const common = {
    tokens: tokens as string[],
    tokenTypes,
    bosId: conventions.bosId,
    eosIds: [...conventions.eosIds],
    unkId,
    padId: conventions.padId,
    addBos: conventions.addBos,
    addEos: conventions.addEos,
    chatTemplate: conventions.chatTemplate,
  };
  const byteLevel = hasComponent(json.pre_tokenizer, "ByteLevel");
  if (byteLevel) {
    return { ...common, model: "gpt2", pre: byteLevelPre(json, fail), scores: new Float32Array(size), merges: merges.map(([l, r]) => `${l} ${r}`), addSpacePrefix: false };
  }
  const addSpacePrefix = sentencePieceSpacePrefix(json, fail);
  const scores = new Float32Array(size);
  // Unmerged pieces (single characters, bytes) score below every merge result.
  scores.fill(-1e9);
  merges.forEach(([l, r], rank) => {
    const id = vocab[l + r];
    if (id !== undefined && scores[id] === -1e9) scores[id] = -rank;
  });
  if (model.byte_fallback === true) {
    tokens.forEach((text, id) => {
      if (tokenTypes[id] === GgufTokenType.normal && byteOfByteToken(text!) !== undefined) tokenTypes[id] = GgufTokenType.byte;
    });
  }
  return { ...common, model: "llama", pre: "default", scores, merges: [], addSpacePrefix };
}

/** tokenizer.json merges: "left right" strings, or [left, right] pairs (tokenizers >= 0.20). */
function mergePairs(raw: unknown): Array<[string, string]> {
  if (!Array.isArray(raw)) return [];
  return raw.map((m) => {
    if (Array.isArray(m)) return [String(m[0]), String(m[1])];
    const text = String(m);
    const space = text.indexOf(" ", 1);
    return [text.slice(0, space), text.slice(space + 1)];
  });
}

function componentsOf(node: unknown): Json[] {
  if (!node || typeof node !== "object") return [];
  const n = node as Json;
  const children = (n.pretokenizers ?? n.normalizers ?? n.decoders) as unknown[] | undefined;
  return n.type === "Sequence" && Array.isArray(children) ? children.flatMap(componentsOf) : [n];
}

function hasComponent(node: unknown, type: string): boolean {
  return componentsOf(node).some((c) => c.type === type);
}

type Fail = (field: string, problem: string) => never;

/** tokenizer.ggml.pre of a byte-level tokenizer: the Split pattern's name, or GPT-2's own regex. */
function byteLevelPre(json: Json, fail: Fail): string {
  if (json.normalizer) fail("normalizer", `a byte-level tokenizer with a normalizer (${JSON.stringify((json.normalizer as Json).type)}) has no GGUF form`);
  const parts = componentsOf(json.pre_tokenizer);
  const byteLevel = parts.find((c) => c.type === "ByteLevel")!;
  if (byteLevel.add_prefix_space === true) fail("pre_tokenizer.add_prefix_space", "true has no GGUF form");
  const splits = parts.filter((c) => c.type === "Split");
  const others = parts.filter((c) => c.type !== "Split" && c.type !== "ByteLevel");
  if (others.length) fail("pre_tokenizer", `${others.map((c) => c.type).join(", ")} has no GGUF form`);
  if (splits.length === 0) {
    if (byteLevel.use_regex === false) fail("pre_tokenizer", "a ByteLevel pre-tokenizer that splits nothing has no GGUF form");
    return "gpt2";
  }
  if (splits.length > 1 || byteLevel.use_regex === true) fail("pre_tokenizer", "more than one split pattern has no GGUF form");
  const regex = (splits[0]!.pattern as { Regex?: string } | undefined)?.Regex;
  const name = regex === undefined ? undefined : pretokenizerNameOfRegex(regex);
  if (!name) return fail("pre_tokenizer.pattern", `the split pattern ${JSON.stringify(regex)} is not one whose tokenizer.ggml.pre is known here (GPT-2, Llama 3, Qwen2)`);
  return name;
}

/** Whether a SentencePiece-style tokenizer.json adds the "▁" dummy prefix; refuses what GGUF's "llama" cannot do. */
function sentencePieceSpacePrefix(json: Json, fail: Fail): boolean {
  let prefix = false;
  let escapesSpaces = false;
  for (const n of componentsOf(json.normalizer)) {
    if (n.type === "Prepend" && n.prepend === SPACE) prefix = true;
    else if (n.type === "Replace" && (n.pattern as Json | undefined)?.String === " " && n.content === SPACE) escapesSpaces = true;
    else fail("normalizer", `${JSON.stringify(n.type)} has no GGUF "llama" form`);
  }
  for (const p of componentsOf(json.pre_tokenizer)) {
    if (p.type !== "Metaspace" || (p.replacement !== undefined && p.replacement !== SPACE)) fail("pre_tokenizer", `${JSON.stringify(p.type)} has no GGUF "llama" form`);
    escapesSpaces = true;
    const scheme = p.prepend_scheme ?? (p.add_prefix_space === false ? "never" : "always");
    if (scheme !== "never") prefix = true;
  }
  if (!escapesSpaces) fail("normalizer", "the tokenizer neither replaces spaces by \"▁\" nor uses a Metaspace pre-tokenizer, so it is neither byte-level nor SentencePiece-style");
  return prefix;
}
