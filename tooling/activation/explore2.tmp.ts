import { calibrationFromModel, loadLlama2c, LlamaModel } from "@sieve/model";
import { collectDejaVuActivations } from "../../packages/activation-sparsity/src/dejavu/collect.js";
import { trainPredictor } from "../../packages/activation-sparsity/src/dejavu/trainer.js";
import { topFractionLabels } from "../../packages/activation-sparsity/src/dejavu/labels.js";
import { selectionRecall } from "../../packages/activation-sparsity/src/dejavu/recall.js";
const A = "/work/shared/assets";
const ck = await loadLlama2c(`${A}/stories260K/stories260K.bin`, { tokenizer: `${A}/stories260K/tok512.bin` });
const model = new LlamaModel(ck.config, ck.weights);
const samples = await calibrationFromModel(model, ck.tokenizer!, { samples: 32, length: 256, seed: 777 });
const acts = await collectDejaVuActivations(model, samples);
const rows = acts.rows, split = Math.floor(rows * 0.85), n = 172, d = 64;
const block = Number(process.env.B ?? 2);
for (const src of [block - 1, block]) {
  const x = acts.blockInputs[src]!, c = acts.neuronContributions[block]!;
  const labels = topFractionLabels(c, rows, n, 0.5);
  for (const cfg of JSON.parse(process.env.CFG ?? '[{"rank":32,"learningRate":0.003},{"rank":32,"learningRate":0.01},{"rank":64,"learningRate":0.01}]')) {
    const t = performance.now();
    const r = trainPredictor({ x: x.subarray(0, split * d), labels: labels.subarray(0, split * n), rows: split }, { x: x.subarray(split * d), labels: labels.subarray(split * n), rows: rows - split }, { maxEpochs: 30, ...cfg });
    const s = new Float32Array((rows - split) * n);
    r.predictor.scores(s, x.subarray(split * d), rows - split);
    const rec = [0.75, 0.5, 0.25].map((b) => selectionRecall(s, c.subarray(split * n), rows - split, n, b)).map((q) => q.recall.toFixed(3)).join(" ");
    console.log("src", src, JSON.stringify(cfg), "epochs", r.history.length, "best", r.bestEpoch, "loss", r.history[r.bestEpoch - 1]?.heldOutLoss.toFixed(4), "recall", rec, ((performance.now() - t) / 1000).toFixed(1), "s");
  }
}
