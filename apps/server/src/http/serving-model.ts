/**
 * What the HTTP layer knows about the model it serves: the name clients send as `model`, what
 * the engine loaded, the tokenizer of this thread, and whether the weights are synthetic (random)
 * so that /v1/models and the UI can say so plainly.
 */
import { basename } from "node:path";
import { isHubSpec, parseHubSpec, resolveModelSpec, type Tokenizer } from "@sieve/model";
import type { EngineInfo } from "../engine/index.js";
import { DEFAULT_MODEL_NAME } from "./default-model.js";
import { loadServingTokenizer } from "./serving-tokenizer.js";
import { syntheticPresetOf } from "./synthetic-marker.js";

export interface ServingModel {
  /** The name clients send as `model` (and see in /v1/models). */
  id: string;
  /** The spec the engine loaded (for the default model: its directory). */
  spec: string;
  info: EngineInfo;
  tokenizer: Tokenizer | undefined;
  /** False when text is decoded on the HTTP thread (checkpoints without a tokenizer). */
  decodedByEngine: boolean;
  /** Set when the weights are random (a synthetic preset). */
  syntheticPreset: string | undefined;
  /** One line for people: what this model is. */
  description: string;
  /** /v1/models owned_by. */
  ownedBy: string;
  /** Unix seconds when the server loaded it. */
  created: number;
}

/** The name a spec is served under when --served-model-name is not given. */
export function servedNameOf(spec: string, isDefault: boolean): string {
  if (isDefault) return DEFAULT_MODEL_NAME;
  if (spec.startsWith("synth:")) return spec;
  if (isHubSpec(spec)) {
    const hub = parseHubSpec(spec);
    return hub.file ? `${hub.repo}/${basename(hub.file)}` : hub.repo;
  }
  const base = basename(spec.replace(/[\\/]+$/, ""));
  return base.replace(/\.(gguf|bin)$/, "") || spec;
}

async function syntheticPreset(spec: string): Promise<string | undefined> {
  const resolved = await resolveModelSpec(spec).catch(() => undefined);
  if (!resolved) return undefined;
  if (resolved.kind === "synth") return resolved.preset;
  if (resolved.kind === "hf-dir") return syntheticPresetOf(resolved.path!);
  return undefined;
}

function tokenizerNoteOf(tokenizer: Tokenizer | undefined, decodedByEngine: boolean): string {
  if (decodedByEngine) return `${tokenizer?.kind ?? "no"} tokenizer${tokenizer?.hasChatTemplate ? " with a chat template" : ", no chat template"}`;
  return tokenizer ? "no tokenizer of its own: UTF-8 bytes as token ids" : "no tokenizer: prompts must be token ids";
}

function describeModel(preset: string | undefined, isDefault: boolean, info: EngineInfo, tokenizerNote: string): string {
  if (!preset) return `${info.format} checkpoint ${info.source} (${tokenizerNote})`;
  const parts = [`Synthetic model (${preset} shape) with RANDOM weights: it produces meaningless text (${tokenizerNote}).`];
  if (isDefault) parts.push("This is the built-in default; serve a real model with --model hf:org/name.");
  return parts.join(" ");
}

export interface DescribeModelInput {
  spec: string;
  info: EngineInfo;
  isDefault: boolean;
  servedName?: string;
  tokenizerFile?: string;
}

export async function describeServingModel(input: DescribeModelInput): Promise<ServingModel> {
  const { spec, info, isDefault } = input;
  const [{ tokenizer, decodedByEngine }, preset] = await Promise.all([loadServingTokenizer(spec, info, input.tokenizerFile), syntheticPreset(spec)]);
  const description = describeModel(preset, isDefault, info, tokenizerNoteOf(tokenizer, decodedByEngine));
  return {
    id: input.servedName ?? servedNameOf(spec, isDefault),
    spec,
    info,
    tokenizer,
    decodedByEngine,
    syntheticPreset: preset,
    description,
    ownedBy: preset ? "sieve (synthetic, random weights)" : "sieve",
    created: Math.floor(Date.now() / 1000),
  };
}
