/**
 * Test fixtures shared by generate/ and eval/ tests: a tiny Llama with random weights and a
 * tokenizer whose tokens are fixed text pieces. Not exported from the package.
 */
import { Rng, Tensor } from "@sieve/core";
import type { ModelConfig } from "../arch/config.js";
import { LlamaModel } from "../arch/llama.js";
import { expectedTensors } from "../arch/weights.js";
import type { StreamDecoder, Tokenizer } from "../tokenizer/types.js";

export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    architecture: "LlamaForCausalLM",
    dim: 32,
    hiddenDim: 48,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    headDim: 8,
    vocabSize: 40,
    maxSeqLen: 128,
    normEps: 1e-5,
    rope: { theta: 10000, style: "interleaved", rotaryDim: 8 },
    tiedEmbeddings: false,
    qkvBias: false,
    hiddenAct: "silu",
    bosTokenId: 1,
    eosTokenIds: [2],
    ...overrides,
  };
}

/** A model with random weights (norm weights near 1), the same for the same seed. */
export function tinyModel(seed = 1, overrides: Partial<ModelConfig> = {}): LlamaModel {
  const config = tinyConfig(overrides);
  const rng = new Rng(seed);
  const weights = new Map<string, Tensor>();
  for (const t of expectedTensors(config)) {
    if (t.optional) continue;
    const w = Tensor.randn(t.shape, rng, 0.4);
    if (t.shape.length === 1) {
      const d = w.data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = 1 + 0.1 * d[i]!;
    }
    weights.set(t.name, w);
  }
  return new LlamaModel(config, weights);
}

/** Token i decodes to PIECES[i] (ids 0..2 are <unk>, BOS, EOS and decode to nothing). */
export const PIECES = [
  "", "", "", "a", "b", "c", "d", "e", " ", "ab", "bc", "cd", "de", "ea", "x", "y", "z", "xy", "yz", ".",
  "!", "?", "the", " the", "he", "ll", "o", "lo", "wor", "ld", "é", "ü", "\n", "st", "op", "sto", "p", "S", "T", "OP",
];

/** A tokenizer over PIECES: greedy longest-match encoding, piecewise decoding. */
export class PieceTokenizer implements Tokenizer {
  readonly kind = "pieces";
  readonly vocabSize = PIECES.length;
  readonly bosId = 1;
  readonly eosIds = [2] as const;
  readonly hasChatTemplate = false;

  encode(text: string, options: { addBos?: boolean } = {}): number[] {
    const ids: number[] = options.addBos === false ? [] : [this.bosId];
    let i = 0;
    while (i < text.length) {
      let best = -1;
      for (let id = 3; id < PIECES.length; id++) {
        if (text.startsWith(PIECES[id]!, i) && (best < 0 || PIECES[id]!.length > PIECES[best]!.length)) best = id;
      }
      if (best < 0) throw new RangeError(`PieceTokenizer: cannot encode ${JSON.stringify(text.slice(i))}`);
      ids.push(best);
      i += PIECES[best]!.length;
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    return ids.map((id) => PIECES[id] ?? "").join("");
  }

  idToToken(id: number): string {
    return PIECES[id] ?? "";
  }

  createStreamDecoder(): StreamDecoder {
    return { push: (id) => PIECES[id] ?? "", flush: () => "" };
  }
}
