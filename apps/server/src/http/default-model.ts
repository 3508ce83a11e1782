/**
 * The model `sieve serve` runs when no --model is given (and `pnpm start` serves): the synthetic
 * test-tiny shape (random weights, ~100k parameters, loads in well under a second) written as a
 * Hugging Face directory together with a byte-level tokenizer and a small chat template, so that
 * every endpoint works (completions, chat, streaming, tokenize) with no download and no setup.
 *
 * Its weights are random: it produces meaningless bytes. The server says so in /v1/models and
 * the web UI. The directory is written once into the OS temp folder and reused afterwards.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSynthHfDir } from "@sieve/model";

/** What `--model` is when not given. */
export const DEFAULT_MODEL_SPEC = "default";
export const DEFAULT_MODEL_NAME = "sieve-tiny-random";
const PRESET = "test-tiny";
/** The preset's 128 positions hold very little byte-level text; RoPE works at any position. */
const CONTEXT_LENGTH = 1024;
/** Bump when the files written change, so an old directory is not reused. */
const LAYOUT_VERSION = 1;
const READY_MARKER = "sieve-default-model.json";

/** A plain role-tagged template; the tags are ordinary bytes for this tokenizer. */
export const DEFAULT_CHAT_TEMPLATE =
  "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n{% endfor %}" +
  "{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

/** GPT-2's byte-to-character table, so every byte is one printable vocabulary entry. */
function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) chars.push(String.fromCharCode(printable(b) ? b : 256 + shifted++));
  return chars;
}

/** tokenizer.json: byte-level BPE without merges, so token id = byte; ids 1 and 2 are BOS and EOS as in the preset. */
export function byteLevelTokenizerFiles(chatTemplate: string = DEFAULT_CHAT_TEMPLATE): { tokenizer: object; config: object } {
  const alphabet = byteLevelAlphabet();
  const vocab = Object.fromEntries(alphabet.map((char, id) => [char, id]));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    tokenizer: {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: null,
      decoder: byteLevel,
      model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
    },
    config: { bos_token: alphabet[1], eos_token: alphabet[2], add_bos_token: true, add_eos_token: false, chat_template: chatTemplate, model_max_length: CONTEXT_LENGTH },
  };
}

/** Writes a synthetic HF directory with a byte tokenizer and a chat template into `dir` (tests use this as a fixture). */
export async function writeTinyChatModel(dir: string, options: { chatTemplate?: string; contextLength?: number } = {}): Promise<string> {
  await writeSynthHfDir(dir, PRESET, "f32", { seed: 0 });
  const configPath = join(dir, "config.json");
  const config = JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  config.max_position_embeddings = options.contextLength ?? CONTEXT_LENGTH;
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const files = byteLevelTokenizerFiles(options.chatTemplate);
  await writeFile(join(dir, "tokenizer.json"), JSON.stringify(files.tokenizer));
  await writeFile(join(dir, "tokenizer_config.json"), `${JSON.stringify(files.config, null, 2)}\n`);
  return dir;
}

/**
 * The default model's directory, written on first use. Several servers starting at once each
 * write a private copy and rename it into place; whoever loses the race uses the winner's.
 */
export async function ensureDefaultModelDir(root: string = tmpdir()): Promise<string> {
  const dir = join(root, `sieve-default-model-v${LAYOUT_VERSION}`);
  if (existsSync(join(dir, READY_MARKER))) return dir;
  const staging = `${dir}.staging-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await mkdir(staging, { recursive: true });
  try {
    await writeTinyChatModel(staging);
    await writeFile(join(staging, READY_MARKER), `${JSON.stringify({ preset: PRESET, contextLength: CONTEXT_LENGTH, synthetic: true, note: "random weights" })}\n`);
    if (existsSync(join(dir, READY_MARKER))) {
      // Another server finished first; never remove a directory someone may be loading.
      await rm(staging, { recursive: true, force: true });
      return dir;
    }
    // A directory without the marker is a leftover of an interrupted write.
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, READY_MARKER))) throw e;
  }
  return dir;
}
