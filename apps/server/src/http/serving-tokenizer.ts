/**
 * The tokenizer the HTTP thread uses. The model and its tokenizer live in the engine's worker,
 * but the HTTP thread must encode prompts (chat templates, /tokenize, context checks before
 * queueing) and name tokens in logprobs, so it loads the same tokenizer again: tokenizer files
 * only, never the weights.
 *
 * A checkpoint without a tokenizer (synthetic models) gets the byte tokenizer `sieve generate`
 * uses; the worker then has none, so text is decoded on this thread (see text-output.ts).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { HfTokenizer, LLAMA2C_BOS_ID, LLAMA2C_EOS_ID, Llama2cTokenizer, readGgufHeader, resolveModelSpec, synthPresetConfig, tokenizerFromGgufMetadata, type Tokenizer } from "@sieve/model";
import { ByteTokenizer } from "../cli/byte-tokenizer.js";
import type { EngineInfo } from "../engine/index.js";

export interface ServingTokenizer {
  /** Undefined when the model has none and its vocabulary is too small for bytes: prompts must be token ids. */
  tokenizer: Tokenizer | undefined;
  /** True when the engine decodes text itself; false when this thread must (byte fallback). */
  decodedByEngine: boolean;
}

/** The checkpoint's own tokenizer, loaded without its weights (undefined when it has none). */
async function checkpointTokenizer(spec: string, tokenizerFile: string | undefined, vocabSize: number): Promise<Tokenizer | undefined> {
  const resolved = await resolveModelSpec(spec, { tokenizer: tokenizerFile });
  switch (resolved.kind) {
    case "synth":
      return undefined;
    case "hf-dir":
      return existsSync(join(resolved.path!, "tokenizer.json")) ? HfTokenizer.fromDirectory(resolved.path!) : undefined;
    case "gguf": {
      const header = await readGgufHeader(resolved.path!);
      return header.values["tokenizer.ggml.model"] === undefined ? undefined : tokenizerFromGgufMetadata(header.values, { source: resolved.path! });
    }
    case "llama2c":
      return resolved.tokenizer ? Llama2cTokenizer.fromFile(resolved.tokenizer, { vocabSize }) : undefined;
  }
}

/** Call after the engine has loaded (so hub downloads are already in the cache). */
export async function loadServingTokenizer(spec: string, info: EngineInfo, tokenizerFile?: string): Promise<ServingTokenizer> {
  if (info.hasTokenizer) {
    const tokenizer = await checkpointTokenizer(spec, tokenizerFile, info.vocabSize);
    if (!tokenizer) throw new Error(`${spec}: the engine loaded a tokenizer but the server could not find it on disk`);
    return { tokenizer, decodedByEngine: true };
  }
  if (info.vocabSize >= 256) {
    // Same convention as the CLI: synthetic checkpoints speak UTF-8 bytes, so text works end to end.
    const { bos, eos } = await specialIds(spec);
    return { tokenizer: new ByteTokenizer(info.vocabSize, bos, eos), decodedByEngine: false };
  }
  return { tokenizer: undefined, decodedByEngine: false };
}

/** BOS/EOS ids of a checkpoint without a tokenizer: its config's, else llama2.c's convention. */
async function specialIds(spec: string): Promise<{ bos: number | undefined; eos: number[] }> {
  const resolved = await resolveModelSpec(spec);
  if (resolved.kind === "synth") {
    const config = synthPresetConfig(resolved.preset!);
    return { bos: config.bosTokenId, eos: [...config.eosTokenIds] };
  }
  if (resolved.kind === "hf-dir") {
    const config = JSON.parse(await readFile(join(resolved.path!, "config.json"), "utf8")) as { bos_token_id?: unknown; eos_token_id?: unknown };
    const eos = ([] as unknown[]).concat(config.eos_token_id ?? []).filter((id): id is number => Number.isInteger(id));
    return { bos: Number.isInteger(config.bos_token_id) ? (config.bos_token_id as number) : undefined, eos };
  }
  return { bos: LLAMA2C_BOS_ID, eos: [LLAMA2C_EOS_ID] };
}
