/** Renders the DejaVu evidence (tooling/activation/dejavu.ts) as docs/results/dejavu.md. */
import type { DejaVuTrainReport } from "../../packages/activation-sparsity/src/index.js";
import type { KernelTiming, UnionGrowth } from "./dejavu-batching.js";

export interface RecallRow {
  kind: "mlp" | "heads";
  budget: number;
  heldOutRecall: number;
  heldOutMass: number;
  validRecall: number;
  validMass: number;
  validPerBlock: number[];
}

export interface AccuracyRow {
  name: string;
  ppl: number;
  nll: number;
  kl: number;
  top1: number;
  /** Neurons (heads) computed / what dense computes, over the whole evaluation. */
  mlpDensity: number;
  headDensity: number;
  seconds: number;
}

/** One predictor's size and per-token cost, and that of the block part it predicts for. */
export interface PredictorSize {
  kind: "mlp" | "heads";
  rank: number;
  params: number;
  /** Multiply-adds per token (f32 weights read per token at batch 1). */
  macs: number;
  /** Multiply-adds per token of the MLP (gate, up, down), or of the attention projections (q, k, v, o). */
  blockMacs: number;
}

/** A training recipe variant at MLP budget 50 %, for the "What changed" table (its accuracy row is in `accuracy`). */
export interface AblationRow {
  name: string;
  trainTokens: number;
  trainSeconds: number;
  recall: RecallRow;
}

export interface DejaVuEvidence {
  backend: string;
  quick: boolean;
  /** 1/5/15-minute load averages at the start, before the kernel timings, and at the end. */
  load: { start: string; timings: string; end: string };
  calibration: { samples: number; length: number; seed: number; tokens: number; generateSeconds: number; collectSeconds: number };
  training: Array<{ budgets: { mlp: number; heads: number }; report: DejaVuTrainReport; mlpRank: number; headRank: number }>;
  trainOptions: { maxEpochs: number; patience: number; seed: number; batchSize: number; learningRate: number; schedule: string; labelWeighting: string };
  recall: RecallRow[];
  ablations: AblationRow[];
  sizes: PredictorSize[];
  dense: { ppl: number; nll: number; tokens: number; stories: number };
  accuracy: AccuracyRow[];
  persistence: { file: string; bytes: number; tensors: number; budgets: { mlp: number; heads: number } };
  batching: {
    budget: number;
    growth: UnionGrowth[];
    timing110m: KernelTiming[];
    timingStories: KernelTiming[];
    /** The MLP kernel the accuracy runs used. */
    kernel: string;
    crossoverNative110m: number;
    crossoverNativeStories: number;
    crossoverTypescriptVsReference110m: number;
    crossoverTypescriptVsNative110m: number;
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const f = (x: number, digits = 3): string => x.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function renderDejaVuReport(e: DejaVuEvidence): string {
  const c = e.calibration;
  const trainRows = e.training.map((t) => {
    const r = t.report;
    const epochs = (kind: "mlp" | "attention") => r.blocks.map((b) => b[kind].epochs).join("/");
    return [`${t.budgets.mlp * 100}% / ${t.budgets.heads * 100}%`, `${t.mlpRank} / ${t.headRank}`, String(r.trainTokens), String(r.heldOutTokens), epochs("mlp"), epochs("attention"), f(r.trainSeconds, 1)];
  });
  const recallRows = e.recall.map((r) => [
    r.kind === "mlp" ? "MLP neurons" : "attention heads",
    `${r.budget * 100}%`,
    f(r.heldOutRecall),
    f(r.heldOutMass),
    f(r.validRecall),
    f(r.validMass),
    r.validPerBlock.map((x) => f(x, 2)).join(" / "),
    f(r.budget, 2),
  ]);
  const accRows = [
    ["dense", f(e.dense.ppl, 4), f(e.dense.nll, 4), "0", "100%", "100%", "100%", ""],
    ...e.accuracy.map((a) => [a.name, f(a.ppl, 4), f(a.nll, 4), f(a.kl, 4), pct(a.top1), pct(a.mlpDensity), pct(a.headDensity), f(a.seconds, 1)]),
  ];
  const ms = (x: number): string => (x < 0.1 ? (x * 1000).toFixed(1) + " µs" : x.toFixed(3) + " ms");
  const timingRows = (rows: KernelTiming[]) =>
    rows.map((r) => [
      String(r.batch),
      pct(r.unionFraction),
      ms(r.denseNativeMs),
      ms(r.sparseNativeMs),
      ms(r.predictorMs),
      f((r.sparseNativeMs + r.predictorMs) / r.denseNativeMs, 2),
      ms(r.denseReferenceMs),
      ms(r.sparseMs),
    ]);
  const timingHeader = ["batch", "union of selections", "dense (native)", "sparse (native)", "predictor", "(sparse + predictor) / dense", "dense (TS reference)", "sparse (TS kernel)"];
  const b = e.batching;
  const accuracyOf = (name: string): AccuracyRow | undefined => e.accuracy.find((a) => a.name === name);
  const sizeOf = (kind: "mlp" | "heads"): PredictorSize => e.sizes.find((z) => z.kind === kind)!;
  const sizeText = (z: PredictorSize): string => `r ${z.rank}: ${z.params} params, ${pct(z.macs / z.blockMacs)} of the ${z.kind === "mlp" ? "MLP" : "attention projections"}`;
  const summaryRows = e.recall.map((r) => {
    const name = r.kind === "mlp" ? `MLP ${r.budget * 100}%` : `heads ${r.budget * 100}%`;
    const a = accuracyOf(name);
    const oracle = r.kind === "mlp" ? accuracyOf(`MLP ${r.budget * 100}%, oracle top-K (ceiling)`) : undefined;
    return [
      name,
      f(r.validRecall),
      f(r.validMass),
      a ? f(a.ppl, 3) : "",
      oracle ? f(oracle.ppl, 3) : "n/a",
      oracle && a ? pct(a.ppl / oracle.ppl - 1) : "",
      a ? f(a.kl, 4) : "",
      a ? pct(a.top1) : "",
      sizeText(sizeOf(r.kind)),
    ];
  });
  const current = e.recall.find((r) => r.kind === "mlp" && r.budget === 0.5)!;
  const currentTraining = e.training.find((t) => t.budgets.mlp === 0.5)!;
  const ablationRows = [
    ...e.ablations.map((x) => ({ name: x.name, tokens: x.trainTokens, seconds: x.trainSeconds, recall: x.recall, acc: accuracyOf(`MLP 50%, ${x.name}`) })),
    { name: "this recipe (the predictors above)", tokens: currentTraining.report.trainTokens, seconds: currentTraining.report.trainSeconds, recall: current, acc: accuracyOf("MLP 50%") },
  ].map((x) => [x.name, String(x.tokens), f(x.recall.validRecall), f(x.recall.validMass), x.acc ? f(x.acc.ppl, 3) : "", x.acc ? f(x.acc.kl, 4) : "", x.acc ? pct(x.acc.top1) : "", f(x.seconds, 1)]);
  const t = e.trainOptions;

  return `# DejaVu contextual sparsity on stories260K

Generated by \`npx tsx --tsconfig tooling/activation/tsconfig.json tooling/activation/dejavu.ts\`${e.quick ? " (--quick: a smoke run, not the evidence)" : ""};
backend: ${e.backend}. Do not edit by hand. Load average (1 / 5 / 15 min) on this shared 2-core machine: ${e.load.start} at the start,
${e.load.timings} before the kernel timings, ${e.load.end} at the end; training and evaluation seconds vary with it.

## Summary

Per-token selection on tinystories-valid-46.txt (dense perplexity ${f(e.dense.ppl, 3)}). Recall and mass: see "Predictor recall";
oracle: every token keeps its truly most contributing neurons (the ceiling for any predictor at that budget). Predictor
size per block, with its multiply-adds per token (= f32 weights read per token) as a share of what it predicts for.

${table(["configuration", "recall", "mass", "perplexity", "oracle perplexity", "over oracle", "KL", "top-1 agreement", "predictor per block"], summaryRows)}

## What changed (MLP 50%)

The same calibration activations, trained three ways in this run and evaluated as above.

${table(["recipe", "train tokens", "recall (valid)", "mass (valid)", "perplexity", "KL", "top-1 agreement", "train seconds (all blocks, MLP + heads)"], ablationRows)}

## Setup

- Model: stories260K (dim 64, hidden 172, 5 layers, 8 query heads, 4 KV heads).
- Calibration: ${c.samples} samples x ${c.length} tokens = ${c.tokens} tokens, **sampled from the dense model itself**
  (temperature 1 from BOS, seeds ${c.seed}..${c.seed + c.samples - 1}; \`calibrationFromModel\`), so disjoint from the
  evaluation text by construction. Generation ${f(c.generateSeconds, 1)} s, activation collection ${f(c.collectSeconds, 1)} s.
- Evaluation: the ${e.dense.stories} stories of tinystories-valid-46.txt (${e.dense.tokens} scored tokens, BOS per story, windows of 512).
  Never used for training.
- Predictors: x -> W1 (64 x r) -> ReLU -> W2 (r x N), one for the MLP neurons and one for the heads of every block.
  **Lookahead**: block k's predictors read block k-1's attention input (the RMS-normalised residual before block k-1);
  block 0's read its own input.
- Labels: a neuron is important for a token when it is in the top *budget* fraction by
  |silu(gate_j x) * up_j x| * ||W_down[:, j]|| (its contribution norm); a head when it is in the top *budget* fraction
  by ||W_o[:, head] attn_head||. Each budget gets its own predictors (labels at that budget).
- Training: Adam (lr ${t.learningRate}, ${t.schedule} schedule over ${t.maxEpochs} epochs), BCE on logits with label weighting "${t.labelWeighting}"
  (each label weighted by |contribution - the token's keep/drop boundary|, mean 1 per token: dropping a big contributor costs more
  than a near-tie), mini-batches of ${t.batchSize}, seed ${t.seed}, early stopping (patience ${t.patience}) on the weighted held-out loss
  of 15% of the calibration samples held out by sample. Products run on the backend's GEMM.

## Training time

${table(["budgets MLP / heads", "rank MLP / heads", "train tokens", "held-out tokens", "MLP epochs per block", "head epochs per block", "seconds"], trainRows)}

## Predictor recall

Recall at budget B: of the B x N neurons (heads) an oracle with the true contributions keeps for a token, the fraction
the predictor's top B x N also keeps, averaged over tokens and blocks. Mass: the contribution mass the predictor's
selection captures over the oracle's. Random selection scores a recall of about B (last column).

${table(["what", "budget", "recall (held-out calib.)", "mass (held-out calib.)", "recall (valid text)", "mass (valid text)", "recall per block (valid)", "random"], recallRows)}

## Accuracy against the dense model (tinystories-valid-46.txt)

Every token keeps exactly its own predicted top-K (\`batchPolicy: "per-token"\`): what batch-1 decoding computes
for every token. KL is KL(dense || DejaVu) per token, in nats. Density: neurons (heads) computed over what dense computes.

${table(["configuration", "perplexity", "NLL (nats)", "KL", "top-1 agreement", "MLP density", "head density", "seconds"], accRows)}

Predictors on disk: \`${e.persistence.file}\`, ${e.persistence.bytes} bytes, ${e.persistence.tensors} tensors, metadata budgets
MLP ${e.persistence.budgets.mlp}, heads ${e.persistence.budgets.heads}; the row marked "loaded from file" ran the predictors read back from it.

## Batching: when the union stops paying

With several sequences in a decode step the rows share one selection, the union of their top-K (MLP budget ${b.budget * 100}%).
Union size measured on the evaluation text with the trained predictors; kernel times at that union size for a
llama-110m-shaped MLP (768 x 2048, f32; predictor rank 192) and for stories260K's (64 x 172; rank 64). Medians of
interleaved rounds on a shared, loaded 2-core machine: read the ratios, not the absolute times. The predictor runs
on the backend's GEMV/GEMM (two small matmuls and a ReLU).

${table(timingHeader, timingRows(b.timing110m))}

stories260K shape:

${table(timingHeader, timingRows(b.timingStories))}

- "sparse (native)" is the DejaVu MLP kernel on this package's native activation-sparse kernels (\`${b.kernel}\`):
  gate and up rows gathered for the selected neurons, down read from the input-major W_down^T rows of those neurons.
  With the predictor's own cost added it beats the dense native MLP up to batch **${b.crossoverNative110m}** on the 110m shape
  (**${b.crossoverNativeStories}** on stories260K's, where per-call overheads dominate): \`DEFAULT_DENSE_ABOVE_ROWS\` follows the 110m shape;
  larger steps run dense.
- The TypeScript fallback kernel beats the TypeScript reference dense MLP up to batch **${b.crossoverTypescriptVsReference110m}**, and the native
  dense MLP up to batch **${b.crossoverTypescriptVsNative110m}** (0 = never): plain JS loops cannot stream weights at AVX2 speed.

## Notes

- Attention: queries and the output projection are computed for the selected heads only; keys and values are projected
  and written to the paged KV cache for every KV head, because later tokens may select heads this token skipped. The
  attention pass over the cache runs for all heads (the op vocabulary has no head subset); skipped heads' outputs are never read.
- Steps of more than \`denseAboveRows\` rows (prefill, large decode batches) run the dense modules, bit-identical to the model
  without DejaVu; so does budget 100%.
`;
}
