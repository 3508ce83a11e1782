/**
 * Reads the tokenizer files of a Hugging Face model directory: tokenizer.json (required),
 * tokenizer_config.json, the chat template (in tokenizer_config.json, or in the newer separate
 * chat_template.jinja / chat_template.json) and the stop ids of generation_config.json.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { TokenizerFormatError } from "./format-error.js";

export interface HfTokenizerFiles {
  /** The directory, absolute. */
  directory: string;
  tokenizerJson: Record<string, unknown>;
  /** {} when the directory has no tokenizer_config.json. */
  tokenizerConfig: Record<string, unknown>;
  chatTemplate: string | undefined;
  /** generation_config.json's eos_token_id(s): chat models often stop on more than EOS. */
  generationEosIds: number[];
}

export async function readHfTokenizerFiles(dir: string): Promise<HfTokenizerFiles> {
  const directory = resolve(dir);
  const tokenizerPath = join(directory, "tokenizer.json");
  if (!existsSync(tokenizerPath)) {
    throw new TokenizerFormatError(tokenizerPath, "tokenizer.json", undefined, "not found", "Hugging Face tokenizers need tokenizer.json (the fast-tokenizer file); convert a slow tokenizer with transformers first");
  }
  const tokenizerJson = await readJson(tokenizerPath);
  if (typeof tokenizerJson.model !== "object" || tokenizerJson.model === null) {
    throw new TokenizerFormatError(tokenizerPath, "model", undefined, "missing: this is not a tokenizers-library tokenizer.json");
  }
  const tokenizerConfig = await readJsonIfPresent(join(directory, "tokenizer_config.json"));
  const generation = await readJsonIfPresent(join(directory, "generation_config.json"));
  return {
    directory,
    tokenizerJson,
    tokenizerConfig,
    chatTemplate: await findChatTemplate(directory, tokenizerConfig),
    generationEosIds: idList(generation.eos_token_id),
  };
}

/**
 * tokenizer_config.json's chat_template is a string, or a list of named templates of which
 * "default" is the one to use; newer repositories keep it in chat_template.jinja instead.
 */
async function findChatTemplate(directory: string, config: Record<string, unknown>): Promise<string | undefined> {
  const inConfig = chatTemplateOfConfig(config.chat_template);
  if (inConfig !== undefined) return inConfig;
  const jinjaPath = join(directory, "chat_template.jinja");
  if (existsSync(jinjaPath)) return readFile(jinjaPath, "utf8");
  return chatTemplateOfConfig((await readJsonIfPresent(join(directory, "chat_template.json"))).chat_template);
}

/** The template in tokenizer_config.json's chat_template, whichever of its forms it takes. */
export function chatTemplateOfConfig(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value as { name?: string; template?: string }[];
    return (named.find((t) => t.name === "default") ?? named[0])?.template;
  }
  return undefined;
}

function idList(value: unknown): number[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((id): id is number => Number.isInteger(id));
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, "utf8");
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("the top level is not a JSON object");
    }
    return value as Record<string, unknown>;
  } catch (error) {
    throw new TokenizerFormatError(path, "JSON", undefined, `cannot be parsed: ${(error as Error).message}`);
  }
}

async function readJsonIfPresent(path: string): Promise<Record<string, unknown>> {
  return existsSync(path) ? readJson(path) : {};
}
