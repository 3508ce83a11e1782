/**
 * Per-token bytes for Hugging Face tokenizers, derived from the "decoder" of tokenizer.json.
 * @huggingface/tokenizers only decodes whole sequences, but streaming needs the bytes of each
 * token (a byte-level or byte-fallback token can be a fragment of a character). The decoders
 * LLMs use are simple per-token maps, so they are read here and replayed token by token:
 * ByteLevel (GPT-2 alphabet), ByteFallback (<0xNN>), Replace ("▁" -> " "), Metaspace, Fuse and
 * Strip (which together drop the first leading space). Other decoders (WordPiece, CTC, BPE
 * suffixes) join tokens in ways no per-token map reproduces; they are reported as not exact.
 */
import { fromByteLevel } from "./byte-level.js";
import { byteOfByteToken, utf8Bytes } from "./byte-strings.js";

export interface HfTokenBytesPlan {
  /** False when the decoder has steps this plan cannot replay per token. */
  exact: boolean;
  /** Whether the decoded text loses one leading space at its start (Metaspace, or Strip after Fuse). */
  stripsFirstSpace: boolean;
  /** The bytes of a (non-added) vocabulary token. */
  bytesOf(token: string): Uint8Array;
}

type DecoderConfig = { type?: string; [key: string]: unknown };

export function hfTokenBytesPlan(decoder: DecoderConfig | null | undefined): HfTokenBytesPlan {
  const steps = flatten(decoder);
  let byteLevel = false;
  let byteFallback = false;
  let stripsFirstSpace = false;
  let exact = true;
  let fused = false;
  const replacements: { pattern: string | RegExp; content: string }[] = [];

  for (const step of steps) {
    switch (step.type) {
      case "ByteLevel":
        byteLevel = true;
        break;
      case "ByteFallback":
        byteFallback = true;
        break;
      case "Fuse":
        fused = true;
        break;
      case "Replace": {
        const pattern = step.pattern as { String?: string; Regex?: string } | undefined;
        const content = String(step.content ?? "");
        if (pattern?.String !== undefined) replacements.push({ pattern: pattern.String, content });
        else if (pattern?.Regex !== undefined) {
          // tokenizer.json regexes are Oniguruma's; one JavaScript cannot compile is not replayable.
          try {
            replacements.push({ pattern: new RegExp(pattern.Regex, "gu"), content });
          } catch {
            exact = false;
          }
        }
        break;
      }
      case "Metaspace":
        replacements.push({ pattern: String(step.replacement ?? "\u2581"), content: " " });
        if (step.prepend_scheme !== "never" && step.add_prefix_space !== false) stripsFirstSpace = true;
        break;
      case "Strip":
        // Only "drop one leading space of the whole text" maps onto a per-token rule; that is
        // Strip{content " ", start 1, stop 0} once Fuse has joined the tokens (Llama 2, Mistral).
        if (fused && step.content === " " && step.start === 1 && !step.stop) stripsFirstSpace = true;
        else exact = false;
        break;
      default:
        exact = false;
    }
  }

  const bytesOf = (token: string): Uint8Array => {
    if (byteFallback) {
      const byte = byteOfByteToken(token);
      if (byte !== undefined) return Uint8Array.of(byte);
    }
    let text = token;
    for (const { pattern, content } of replacements) text = text.replaceAll(pattern, content);
    return byteLevel ? fromByteLevel(text) : utf8Bytes(text);
  };
  return { exact, stripsFirstSpace, bytesOf };
}

/** A decoder or a Sequence of decoders, as the flat list of steps applied in order. */
function flatten(decoder: DecoderConfig | null | undefined): DecoderConfig[] {
  if (!decoder) return [];
  if (decoder.type === "Sequence") return ((decoder.decoders as DecoderConfig[]) ?? []).flatMap(flatten);
  return [decoder];
}
