import { calibrationFromModel, loadLlama2c, LlamaModel } from "@sieve/model";
import { collectDejaVuActivations } from "../../packages/activation-sparsity/src/dejavu/collect.js";
import { trainDejaVuFromActivations } from "../../packages/activation-sparsity/src/dejavu/train-dejavu.js";
import { dejavuShapeOf } from "../../packages/activation-sparsity/src/dejavu/predictors.js";
const A = "/work/shared/assets";
const ck = await loadLlama2c(`${A}/stories260K/stories260K.bin`, { tokenizer: `${A}/stories260K/tok512.bin` });
const model = new LlamaModel(ck.config, ck.weights);
let t = performance.now();
const samples = await calibrationFromModel(model, ck.tokenizer!, { samples: Number(process.env.N ?? 32), length: 256, seed: 777 });
console.log("gen", ((performance.now() - t) / 1000).toFixed(1));
t = performance.now();
const acts = await collectDejaVuActivations(model, samples);
console.log("collect", acts.rows, ((performance.now() - t) / 1000).toFixed(1));
for (const lf of (process.env.LF ?? "0.5").split(",").map(Number)) {
  const r = trainDejaVuFromActivations(acts, dejavuShapeOf(model), { mlpBudget: lf, headBudget: 0.5, mlpRank: Number(process.env.R ?? 32), recallBudgets: { mlp: [0.75, 0.5, 0.25], heads: [0.75, 0.5] } });
  console.log("lf", lf, "train s", r.report.trainSeconds.toFixed(1));
  for (const b of r.report.blocks) console.log(b.mlp.epochs, b.mlp.recall.map((x) => `${x.recall.toFixed(3)}/${x.massRecall.toFixed(3)}`).join(" "), "| heads", b.attention.epochs, b.attention.recall.map((x) => `${x.recall.toFixed(3)}/${x.massRecall.toFixed(3)}`).join(" "));
}
