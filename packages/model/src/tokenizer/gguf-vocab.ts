/**
 * Builds a tokenizer from the tokenizer.* metadata of a GGUF file. The GGUF loader parses the
 * file and hands over its metadata as a plain record keyed by GGUF names; this file checks the
 * keys and picks the implementation by tokenizer.ggml.model.
 */
import { byteOfByteToken } from "./byte-strings.js";
import { TokenizerFormatError } from "./format-error.js";
import { GgufGpt2Tokenizer } from "./gguf-gpt2.js";
import { GgufLlamaTokenizer } from "./gguf-llama.js";
import { GgufTokenType, type GgufVocabulary } from "./gguf-tokenizer.js";
import { pretokenizePattern, SUPPORTED_PRETOKENIZERS } from "./pretokenize-patterns.js";

/** GGUF writes "no such token" as -1 stored in a uint32. */
const NO_TOKEN = 0xffffffff;

export interface GgufTokenizerOptions {
  /** Named in error messages (e.g. the .gguf path). */
  source?: string;
}

/** The tokenizer embedded in GGUF metadata ("llama" SentencePiece BPE or "gpt2" byte-level BPE). */
export function tokenizerFromGgufMetadata(
  meta: Record<string, unknown>,
  options: GgufTokenizerOptions = {},
): GgufLlamaTokenizer | GgufGpt2Tokenizer {
  const vocab = readGgufVocabulary(meta, options.source);
  if (vocab.model === "llama") return new GgufLlamaTokenizer(vocab);
  const pattern = pretokenizePattern(vocab.pre);
  if (!pattern) {
    throw new TokenizerFormatError(
      options.source ?? "GGUF metadata",
      "tokenizer.ggml.pre",
      undefined,
      `pre-tokenizer ${JSON.stringify(vocab.pre)} is not supported (supported: ${SUPPORTED_PRETOKENIZERS.join(", ")})`,
      "Load the model's Hugging Face tokenizer.json instead, or add its pattern to pretokenize-patterns.ts",
    );
  }
  return new GgufGpt2Tokenizer(vocab, pattern);
}

/** Reads and checks the tokenizer keys of GGUF metadata. */
export function readGgufVocabulary(meta: Record<string, unknown>, source = "GGUF metadata"): GgufVocabulary {
  const fail: Fail = (key, problem, fix) => {
    throw new TokenizerFormatError(source, key, undefined, problem, fix);
  };

  const model = meta["tokenizer.ggml.model"];
  if (model === undefined) fail("tokenizer.ggml.model", "missing: this GGUF file embeds no tokenizer", "Pass a tokenizer separately");
  if (model !== "llama" && model !== "gpt2") {
    fail(
      "tokenizer.ggml.model",
      `${JSON.stringify(model)} is not supported (supported: "llama" = SentencePiece BPE, "gpt2" = byte-level BPE)`,
      "Load the model's Hugging Face tokenizer.json instead",
    );
  }
  const isLlama = model === "llama";

  const tokens = stringArray(meta, "tokenizer.ggml.tokens", fail);
  if (tokens === undefined || tokens.length === 0) return fail("tokenizer.ggml.tokens", "missing or empty");
  const n = tokens.length;

  const rawScores = numberArray(meta, "tokenizer.ggml.scores", n, fail);
  const rawTypes = numberArray(meta, "tokenizer.ggml.token_type", n, fail);
  const merges = stringArray(meta, "tokenizer.ggml.merges", fail) ?? [];
  if (!isLlama && merges.length === 0) fail("tokenizer.ggml.merges", "missing or empty; a gpt2 (byte-level BPE) vocabulary needs its merges");

  // llama.cpp's defaults for SentencePiece vocabularies: <unk> 0, BOS 1, EOS 2.
  const tokenId = (key: string, fallback?: number): number | undefined => {
    const value = meta[key];
    if (value === undefined) return fallback !== undefined && fallback < n ? fallback : undefined;
    const id = Number(value);
    if (!Number.isInteger(id)) return fail(key, `${String(value)} is not a token id`);
    if (id === NO_TOKEN || id === -1) return undefined;
    if (id < 0 || id >= n) return fail(key, `token id ${id} is outside the vocabulary (0..${n - 1})`);
    return id;
  };
  const bosId = tokenId("tokenizer.ggml.bos_token_id", isLlama ? 1 : undefined);
  const eosId = tokenId("tokenizer.ggml.eos_token_id", isLlama ? 2 : undefined);
  const unkId = tokenId("tokenizer.ggml.unknown_token_id", isLlama ? 0 : undefined);
  // Chat models end a turn with EOT (Llama 3's <|eot_id|>) or EOM; generation stops on any.
  const eosIds = [eosId, tokenId("tokenizer.ggml.eot_token_id"), tokenId("tokenizer.ggml.eom_token_id")].filter(
    (id, i, all): id is number => id !== undefined && all.indexOf(id) === i,
  );

  const tokenTypes = rawTypes
    ? Uint8Array.from(rawTypes)
    : inferTokenTypes(tokens, isLlama, [bosId, eosId, ...eosIds], unkId);

  const pre = meta["tokenizer.ggml.pre"] ?? "default";
  if (typeof pre !== "string") fail("tokenizer.ggml.pre", `expected a string, got ${typeof pre}`);
  const chatTemplate = meta["tokenizer.chat_template"];
  if (chatTemplate !== undefined && typeof chatTemplate !== "string") fail("tokenizer.chat_template", `expected a string, got ${typeof chatTemplate}`);

  return {
    model,
    pre: pre as string,
    tokens,
    scores: rawScores ? Float32Array.from(rawScores) : new Float32Array(n),
    tokenTypes,
    merges,
    bosId,
    eosIds,
    unkId,
    padId: tokenId("tokenizer.ggml.padding_token_id"),
    addBos: flag(meta, "tokenizer.ggml.add_bos_token", isLlama, fail),
    addEos: flag(meta, "tokenizer.ggml.add_eos_token", false, fail),
    addSpacePrefix: flag(meta, "tokenizer.ggml.add_space_prefix", isLlama, fail),
    chatTemplate: chatTemplate as string | undefined,
  };
}

type Fail = (key: string, problem: string, fix?: string) => never;

function stringArray(meta: Record<string, unknown>, key: string, fail: Fail): string[] | undefined {
  const value = meta[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return fail(key, `expected an array of strings, got ${typeof value}`);
  const bad = value.findIndex((item) => typeof item !== "string");
  if (bad >= 0) fail(key, `entry ${bad} is ${typeof value[bad]}, not a string`);
  return value as string[];
}

function numberArray(meta: Record<string, unknown>, key: string, length: number, fail: Fail): number[] | undefined {
  const value = meta[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return fail(key, `expected an array of numbers, got ${typeof value}`);
  const numbers = Array.from(value as ArrayLike<number | bigint>, Number);
  if (numbers.length !== length) fail(key, `has ${numbers.length} entries but tokenizer.ggml.tokens has ${length}`);
  const bad = numbers.findIndex((x) => Number.isNaN(x));
  if (bad >= 0) fail(key, `entry ${bad} is not a number`);
  return numbers;
}

function flag(meta: Record<string, unknown>, key: string, fallback: boolean, fail: Fail): boolean {
  const value = meta[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") return fail(key, `expected a boolean, got ${JSON.stringify(value)}`);
  return value;
}

/** Without tokenizer.ggml.token_type: specials by their ids, byte tokens by their "<0xNN>" text. */
function inferTokenTypes(tokens: string[], isLlama: boolean, controlIds: (number | undefined)[], unkId: number | undefined): Uint8Array {
  const types = new Uint8Array(tokens.length).fill(GgufTokenType.normal);
  if (isLlama) tokens.forEach((text, id) => byteOfByteToken(text) !== undefined && (types[id] = GgufTokenType.byte));
  for (const id of controlIds) if (id !== undefined) types[id] = GgufTokenType.control;
  if (unkId !== undefined) types[unkId] = GgufTokenType.unknown;
  return types;
}
