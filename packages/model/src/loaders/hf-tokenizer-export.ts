/**
 * Writes a Hugging Face tokenizer.json for a SentencePiece-style BPE vocabulary with scores
 * (llama2.c's tokenizer.bin, GGUF "llama" vocabularies), in the layout transformers' LlamaConverter
 * produces for Llama 2 ("legacy"): a normalizer that prepends "▁" and replaces spaces by "▁", no
 * pre-tokenizer (the whole text is one word), a BPE model with byte_fallback, and a decoder that
 * undoes it all.
 *
 * SentencePiece merges the adjacent pair whose concatenation is the best-scoring piece; HF BPE
 * merges the pair with the lowest rank. Listing every (left, right) split of every piece whose
 * halves are pieces, ranked by the piece's score (best first), makes the two pick the same merges.
 * (Both break ties between equal ranks by position; the one case they can differ is two
 * different splits of the same piece present at once, which real text practically never hits.)
 */

/** What a piece is, as SentencePiece types them. */
export type PieceKind = "normal" | "byte" | "control" | "unknown" | "user" | "unused";

export interface ScoredPiece {
  /** The piece with spaces written "▁" (byte pieces as "<0xNN>"). */
  text: string;
  score: number;
  kind: PieceKind;
}

export interface SentencePieceVocabulary {
  pieces: ScoredPiece[];
  bosId: number | undefined;
  eosId: number | undefined;
  unkId: number | undefined;
  /** Add BOS when encoding (llama2.c and Llama 2 do). */
  addBos: boolean;
  /** SentencePiece's dummy-prefix space before the text. */
  addSpacePrefix: boolean;
  modelMaxLength: number;
  chatTemplate?: string;
}

const SPACE = "\u2581";
type Json = Record<string, unknown>;

/** Merge pairs in rank order. */
export function mergesFromScores(pieces: readonly ScoredPiece[]): Array<[string, string]> {
  const ids = new Map<string, number>();
  pieces.forEach((p, id) => {
    if (p.kind === "normal" && !ids.has(p.text)) ids.set(p.text, id);
  });
  const found: Array<{ left: string; right: string; score: number; id: number; split: number }> = [];
  for (const [text, id] of ids) {
    const chars = Array.from(text);
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join("");
      const right = chars.slice(k).join("");
      if (ids.has(left) && ids.has(right)) found.push({ left, right, score: pieces[id]!.score, id, split: k });
    }
  }
  found.sort((a, b) => b.score - a.score || a.id - b.id || a.split - b.split);
  return found.map((m) => [m.left, m.right]);
}

/**
 * "left right" strings, which every version of tokenizers reads; the [left, right] form (tokenizers
 * >= 0.20) only when a piece holds a space, which the string form cannot express.
 */
function mergesForJson(merges: Array<[string, string]>): Array<[string, string]> | string[] {
  return merges.some(([l, r]) => l.includes(" ") || r.includes(" ")) ? merges : merges.map(([l, r]) => `${l} ${r}`);
}

function addedToken(id: number, content: string, special: boolean): Json {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
}

/** The tokenizer.json object. */
export function buildTokenizerJson(v: SentencePieceVocabulary): Json {
  const vocab: Record<string, number> = {};
  const keys: string[] = [];
  v.pieces.forEach((p, id) => {
    // A JSON object cannot hold one key twice; a duplicate piece (never produced by encoding,
    // which finds the first) keeps its id under a name no text can produce.
    const key = Object.prototype.hasOwnProperty.call(vocab, p.text) ? `<sieve_duplicate_${id}>` : p.text;
    vocab[key] = id;
    keys.push(key);
  });
  const textOf = (id: number | undefined) => (id === undefined ? undefined : keys[id]);
  const added = v.pieces.flatMap((p, id) =>
    p.kind === "control" || p.kind === "unknown" || p.kind === "user" ? [addedToken(id, textOf(id)!, p.kind !== "user")] : [],
  );
  const bosText = textOf(v.bosId);
  const postProcessor =
    v.addBos && bosText !== undefined
      ? {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: bosText, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [
            { SpecialToken: { id: bosText, type_id: 0 } },
            { Sequence: { id: "A", type_id: 0 } },
            { SpecialToken: { id: bosText, type_id: 1 } },
            { Sequence: { id: "B", type_id: 1 } },
          ],
          special_tokens: { [bosText]: { id: bosText, ids: [v.bosId], tokens: [bosText] } },
        }
      : null;
  const replaceSpaces = { type: "Replace", pattern: { String: " " }, content: SPACE };
  const normalizer = v.addSpacePrefix
    ? { type: "Sequence", normalizers: [{ type: "Prepend", prepend: SPACE }, replaceSpaces] }
    : replaceSpaces;
  const decoders: Json[] = [{ type: "Replace", pattern: { String: SPACE }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }];
  if (v.addSpacePrefix) decoders.push({ type: "Strip", content: " ", start: 1, stop: 0 });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer,
    pre_tokenizer: null,
    post_processor: postProcessor,
    decoder: { type: "Sequence", decoders },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: textOf(v.unkId) ?? null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: mergesForJson(mergesFromScores(v.pieces)),
    },
  };
}

/** The tokenizer_config.json transformers reads beside it. */
export function buildTokenizerConfig(v: SentencePieceVocabulary): Json {
  const text = (id: number | undefined) => (id === undefined ? null : v.pieces[id]!.text);
  const out: Json = {
    tokenizer_class: "LlamaTokenizer",
    add_bos_token: v.addBos,
    add_eos_token: false,
    bos_token: text(v.bosId),
    eos_token: text(v.eosId),
    unk_token: text(v.unkId),
    pad_token: null,
    clean_up_tokenization_spaces: false,
    legacy: true,
    model_max_length: v.modelMaxLength,
  };
  if (v.chatTemplate) out.chat_template = v.chatTemplate;
  return out;
}
