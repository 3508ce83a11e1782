/**
 * One string names a model everywhere (CLI, server, tests):
 *   ./dir                    a Hugging Face checkpoint directory (also what Sieve's tools write)
 *   ./model.gguf             a GGUF file
 *   ./model.bin              a llama2.c checkpoint; its tokenizer is options.tokenizer, else
 *                            tokenizer.bin or a single tok*.bin beside it
 *   hf:org/name[@rev]        downloaded from the Hugging Face hub (hf:org/name/file.gguf for a GGUF)
 *   synth:PRESET[:dtype]     a synthetic checkpoint with a real model's shapes
 */
import { open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { loadGguf } from "./gguf.js";
import { loadHfDirectory } from "./hf-dir.js";
import { downloadFromHub, type HubDownloadOptions, type HubSnapshot } from "./hub.js";
import { isHubSpec } from "./hub-spec.js";
import { loadLlama2c } from "./llama2c.js";
import { synthCheckpoint, type SynthDType } from "./synth.js";
import type { LoadedCheckpoint, LoadOptions } from "./types.js";

export type ModelSpecKind = "hf-dir" | "gguf" | "llama2c" | "synth";

export interface ResolvedModelSpec {
  kind: ModelSpecKind;
  /** The spec as given. */
  spec: string;
  /** Local directory (hf-dir) or file (gguf, llama2c); absent for synth. */
  path?: string;
  /** llama2c: the tokenizer.bin found or given. */
  tokenizer?: string;
  /** synth: preset name and dtype. */
  preset?: string;
  dtype?: SynthDType;
  /** hf: what was downloaded (or found in the cache). */
  hub?: HubSnapshot;
}

export interface ModelSpecOptions extends LoadOptions, Omit<HubDownloadOptions, "onProgress"> {
  /** Load tensors the architecture does not use (HF directories only; see loadHfDirectory). */
  loadExtraTensors?: boolean;
}

/** A spec that names nothing loadable; the message names the spec and what to do. */
export class ModelSpecError extends Error {
  constructor(
    readonly spec: string,
    problem: string,
  ) {
    super(`${spec}: ${problem}`);
    this.name = "ModelSpecError";
  }
}

const SYNTH_PREFIX = "synth:";
const SYNTH_DTYPES: readonly string[] = ["f32", "f16", "bf16"];
const GGUF_MAGIC = "GGUF";
/** Files that sit inside an HF checkpoint directory: naming one means the directory. */
const HF_MEMBER = /^(config\.json|generation_config\.json|model\.safetensors\.index\.json|.*\.safetensors)$/;

export async function resolveModelSpec(spec: string, options: ModelSpecOptions = {}): Promise<ResolvedModelSpec> {
  if (spec.startsWith(SYNTH_PREFIX)) return resolveSynth(spec);
  if (isHubSpec(spec)) {
    const hub = await downloadFromHub(spec, options);
    return hub.path.endsWith(".gguf") ? { kind: "gguf", spec, path: hub.path, hub } : { kind: "hf-dir", spec, path: hub.path, hub };
  }
  const path = resolve(spec);
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new ModelSpecError(spec, `no such file or directory (${path}). Give a model directory, a .gguf or llama2.c .bin file, hf:org/name, or synth:PRESET`);
  }
  if (info.isDirectory()) return resolveDirectory(spec, path);
  if (HF_MEMBER.test(basename(path))) return resolveDirectory(spec, dirname(path));
  const head = await firstBytes(path, 4);
  if (path.endsWith(".gguf") || head.toString("latin1") === GGUF_MAGIC) return { kind: "gguf", spec, path };
  if (head[0] === 0x80 || head.toString("latin1") === "PK\u0003\u0004") {
    throw new ModelSpecError(spec, "is a PyTorch pickle; Sieve reads safetensors, GGUF and llama2.c files (re-save with save_pretrained(safe_serialization=True))");
  }
  if (path.endsWith(".bin")) {
    return { kind: "llama2c", spec, path, tokenizer: options.tokenizer ? resolve(options.tokenizer) : await findLlama2cTokenizer(spec, path) };
  }
  throw new ModelSpecError(spec, "unknown model format (expected a directory with config.json, a .gguf file, a llama2.c .bin file, hf:org/name or synth:PRESET)");
}

/** Resolves the spec and loads the checkpoint it names. */
export async function loadCheckpoint(spec: string, options: ModelSpecOptions = {}): Promise<LoadedCheckpoint> {
  const resolved = await resolveModelSpec(spec, options);
  switch (resolved.kind) {
    case "synth":
      return synthCheckpoint(resolved.preset!, resolved.dtype);
    case "hf-dir":
      return loadHfDirectory(resolved.path!, options);
    case "gguf":
      return loadGguf(resolved.path!, options);
    case "llama2c":
      return loadLlama2c(resolved.path!, { ...options, tokenizer: resolved.tokenizer });
  }
}

function resolveSynth(spec: string): ResolvedModelSpec {
  const [preset, dtype, ...rest] = spec.slice(SYNTH_PREFIX.length).split(":");
  if (!preset || rest.length) throw new ModelSpecError(spec, "expected synth:PRESET or synth:PRESET:DTYPE");
  if (dtype !== undefined && !SYNTH_DTYPES.includes(dtype)) {
    throw new ModelSpecError(spec, `unknown dtype "${dtype}" (expected ${SYNTH_DTYPES.join(", ")})`);
  }
  return { kind: "synth", spec, preset, dtype: (dtype ?? "f32") as SynthDType };
}

async function resolveDirectory(spec: string, dir: string): Promise<ResolvedModelSpec> {
  const entries = await readdir(dir);
  if (entries.includes("config.json")) return { kind: "hf-dir", spec, path: dir };
  const candidates = entries.filter((e) => e.endsWith(".gguf") || (e.endsWith(".bin") && !/^tok.*\.bin$/.test(e)));
  const hint = candidates.length ? `; did you mean one of its files: ${candidates.slice(0, 5).map((c) => join(spec, c)).join(", ")}?` : "";
  throw new ModelSpecError(spec, `the directory has no config.json, so it is not a Hugging Face checkpoint${hint}`);
}

async function firstBytes(path: string, n: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** tokenizer.bin beside the model, else the one tok*.bin there (llama2.c names them tok512.bin etc.). */
async function findLlama2cTokenizer(spec: string, modelPath: string): Promise<string | undefined> {
  const dir = dirname(modelPath);
  const entries = await readdir(dir);
  if (entries.includes("tokenizer.bin")) return join(dir, "tokenizer.bin");
  const candidates = entries.filter((e) => /^tok.*\.bin$/.test(e) && join(dir, e) !== modelPath).sort();
  if (candidates.length === 1) return join(dir, candidates[0]!);
  if (candidates.length > 1) {
    throw new ModelSpecError(spec, `several tokenizers lie beside it (${candidates.join(", ")}); name one with the tokenizer option`);
  }
  return undefined;
}
