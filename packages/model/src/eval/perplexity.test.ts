import { PageAllocator } from "@sieve/core";
import { describe, expect, it } from "vitest";
import type { LlamaModel } from "../arch/llama.js";
import { Sequence } from "../generate/sequence.js";
import { tinyModel } from "../generate/tiny-model.fixture.js";
import { compareModels } from "./compare.js";
import { evaluatePerplexity } from "./perplexity.js";
import { planWindows } from "./windows.js";

/** NLL (nats) of `target` after `context`, by a fresh prefill of the context: the slow, obvious way. */
function naiveNll(model: LlamaModel, context: number[], target: number): number {
  const kv = model.createKvCache(Math.ceil(context.length / 16), 16);
  const seq = new Sequence(model, kv, new PageAllocator(kv.numPages));
  const logits = seq.prefill(context);
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  return max + Math.log(sum) - logits[target]!;
}

/** Mean NLL over the same windows, scoring each token by its own growing prefix within its window. */
function naivePerplexity(model: LlamaModel, docs: number[][], ctx: number, stride: number): { tokens: number; nll: number } {
  let total = 0;
  let tokens = 0;
  for (const doc of docs) {
    for (const w of planWindows(doc.length, ctx, stride)) {
      for (let j = w.scoreFrom; j < w.scoreEnd; j++) {
        total += naiveNll(model, doc.slice(w.begin, j), doc[j]!);
        tokens++;
      }
    }
  }
  return { tokens, nll: total / tokens };
}

const docs = [
  Array.from({ length: 30 }, (_, i) => 3 + ((i * 5) % 37)),
  Array.from({ length: 9 }, (_, i) => 3 + ((i * 11) % 37)),
];
const withBos = docs.map((d) => [1, ...d]);

describe("evaluatePerplexity", () => {
  const model = tinyModel(21);

  it("agrees with a naive per-token loop over growing prefixes (one window per document)", async () => {
    const r = await evaluatePerplexity(model, docs, { ctx: 64, bos: "per-document" });
    const naive = naivePerplexity(model, withBos, 64, 64);
    expect(r.tokens).toBe(30 + 9);
    expect(r.tokens).toBe(naive.tokens);
    expect(r.nll).toBeCloseTo(naive.nll, 5);
    expect(r.ppl).toBeCloseTo(Math.exp(naive.nll), 4);
  });

  it("with stride < ctx scores each token once, with the sliding-window context", async () => {
    for (const [ctx, stride, chunkSize] of [[8, 4, 8], [8, 3, 3], [12, 12, 5]] as const) {
      const r = await evaluatePerplexity(model, docs, { ctx, stride, chunkSize, bos: "per-document" });
      const naive = naivePerplexity(model, withBos, ctx, stride);
      expect(r.tokens).toBe(withBos.reduce((n, d) => n + d.length - 1, 0));
      expect(r.nll).toBeCloseTo(naive.nll, 5);
    }
  });

  it("treats a flat token list as one document, and bos none as given", async () => {
    const flat = await evaluatePerplexity(model, withBos[0]!, { ctx: 16, bos: "none" });
    const asDoc = await evaluatePerplexity(model, [docs[0]!], { ctx: 16, bos: "per-document" });
    expect(flat.tokens).toBe(30);
    expect(flat.nll).toBeCloseTo(asDoc.nll, 6);
  });

  it("rejects bad windows", async () => {
    await expect(evaluatePerplexity(model, docs, { ctx: 8, stride: 9 })).rejects.toThrow("stride");
    await expect(evaluatePerplexity(model, docs, { ctx: 1000 })).rejects.toThrow("exceeds the model's context");
  });
});

describe("compareModels", () => {
  const a = tinyModel(21);

  it("KL of a model against itself is 0 and top-1 agreement is 1", async () => {
    for (const b of [a, tinyModel(21)]) {
      const r = await compareModels(a, b, docs, { ctx: 16, stride: 8 });
      expect(r.kl).toBeLessThan(1e-6);
      expect(r.kl).toBeGreaterThanOrEqual(-1e-6);
      expect(r.top1Agreement).toBe(1);
      expect(r.nllA).toBeCloseTo(r.nllB, 6);
      expect(r.tokens).toBe(39);
    }
  });

  it("matches evaluatePerplexity's NLLs and a naive KL for two different models", async () => {
    const b = tinyModel(22);
    const r = await compareModels(a, b, docs, { ctx: 16, stride: 8 });
    const pa = await evaluatePerplexity(a, docs, { ctx: 16, stride: 8 });
    const pb = await evaluatePerplexity(b, docs, { ctx: 16, stride: 8 });
    expect(r.nllA).toBeCloseTo(pa.nll, 5);
    expect(r.nllB).toBeCloseTo(pb.nll, 5);
    expect(r.kl).toBeGreaterThan(0.01);
    expect(r.top1Agreement).toBeLessThan(1);

    // Naive KL on a single window (ctx large enough), position by position.
    const doc = withBos[1]!;
    let kl = 0;
    for (let j = 1; j < doc.length; j++) {
      const la = logSoftmax(logitsAfter(a, doc.slice(0, j)));
      const lb = logSoftmax(logitsAfter(b, doc.slice(0, j)));
      for (let v = 0; v < la.length; v++) kl += Math.exp(la[v]!) * (la[v]! - lb[v]!);
    }
    const single = await compareModels(a, b, [docs[1]!], { ctx: 16 });
    expect(single.kl).toBeCloseTo(kl / (doc.length - 1), 5);
  });

  it("rejects models with different vocabularies", async () => {
    await expect(compareModels(a, tinyModel(1, { vocabSize: 41 }), docs, { ctx: 8 })).rejects.toThrow("vocabularies differ");
  });
});

function logitsAfter(model: LlamaModel, context: number[]): Float32Array {
  const kv = model.createKvCache(4, 16);
  return new Sequence(model, kv, new PageAllocator(4)).prefill(context).slice();
}

function logSoftmax(x: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(x, (v) => v - lse);
}
