/**
 * Shapes of real models, for synthetic checkpoints used in speed and memory work (their weights
 * are random). Configs are in the Hugging Face layout (RoPE style "half"), like the checkpoints
 * the presets stand for.
 */
import { validateConfig, type ModelConfig } from "../arch/config.js";

interface PresetShape {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  maxSeqLen: number;
  tied: boolean;
  theta?: number;
  bos?: number;
  eos?: number;
}

const SHAPES = {
  /** llama2.c's stories110M shape (Llama 2 architecture at 110M parameters, classifier shared). */
  "llama-110m": { dim: 768, hiddenDim: 2048, nLayers: 12, nHeads: 12, nKvHeads: 12, vocabSize: 32000, maxSeqLen: 1024, tied: true },
  /** HuggingFaceTB/SmolLM-135M: deep and narrow, GQA 3:1, tied embeddings. */
  "smollm-135m": { dim: 576, hiddenDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, vocabSize: 49152, maxSeqLen: 2048, tied: true, theta: 10000, bos: 0, eos: 0 },
  /** TinyLlama-1.1B: GQA 8:1. */
  "tinyllama-1.1b": { dim: 2048, hiddenDim: 5632, nLayers: 22, nHeads: 32, nKvHeads: 4, vocabSize: 32000, maxSeqLen: 2048, tied: false },
  /** A few hundred thousand parameters, for fast tests; vocab 256 fits a byte-level tokenizer. */
  "test-tiny": { dim: 64, hiddenDim: 160, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 256, maxSeqLen: 128, tied: false },
} satisfies Record<string, PresetShape>;

export type SynthPresetName = keyof typeof SHAPES;
export const SYNTH_PRESETS = Object.keys(SHAPES) as SynthPresetName[];

/** The ModelConfig of a preset; throws naming the known presets for an unknown name. */
export function synthPresetConfig(name: string): ModelConfig {
  const s: PresetShape | undefined = (SHAPES as Record<string, PresetShape>)[name];
  if (!s) throw new RangeError(`unknown synthetic preset ${JSON.stringify(name)} (known: ${SYNTH_PRESETS.join(", ")})`);
  const headDim = s.dim / s.nHeads;
  return validateConfig(
    {
      architecture: "LlamaForCausalLM",
      dim: s.dim,
      hiddenDim: s.hiddenDim,
      nLayers: s.nLayers,
      nHeads: s.nHeads,
      nKvHeads: s.nKvHeads,
      headDim,
      vocabSize: s.vocabSize,
      maxSeqLen: s.maxSeqLen,
      normEps: 1e-5,
      rope: { theta: s.theta ?? 10000, style: "half", rotaryDim: headDim },
      tiedEmbeddings: s.tied,
      qkvBias: false,
      oBias: false,
      hiddenAct: "silu",
      bosTokenId: s.bos ?? 1,
      eosTokenIds: [s.eos ?? 2],
    },
    `synth:${name}`,
  );
}
