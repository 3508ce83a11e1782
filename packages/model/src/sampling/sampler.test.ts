import { Rng, referenceBackend } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { Sampler } from "./sampler.js";

function randomLogits(rng: Rng, vocab: number, std = 3): Float32Array {
  return rng.fillNormal(new Float32Array(vocab), 0, std);
}

/** Logits whose softmax is exactly the given probabilities. */
function logitsOf(probs: number[]): Float32Array {
  return Float32Array.from(probs, (p) => Math.log(p));
}

/** Empirical frequency of each token over n draws from one logits row. */
function frequencies(sampler: Sampler, logits: Float32Array, n: number): number[] {
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) counts[sampler.sample(logits).tokenId]!++;
  return counts.map((c) => c / n);
}

/** Half-width of a 5-sigma band for an observed frequency of a Bernoulli(p) over n draws. */
function band(p: number, n: number): number {
  return 5 * Math.sqrt((p * (1 - p)) / n) + 1e-9;
}

describe("Sampler: greedy and top-k", () => {
  it("temperature 0 is the argmax (lowest id on ties)", () => {
    const rng = new Rng(1);
    const out = new Int32Array(1);
    for (let trial = 0; trial < 50; trial++) {
      const logits = randomLogits(rng, 1000);
      referenceBackend.argmax(out, logits, 1, logits.length);
      expect(new Sampler({ temperature: 0 }, { vocabSize: 1000 }).sample(logits).tokenId).toBe(out[0]);
    }
    const tied = Float32Array.from([0, 3, 1, 3]);
    expect(new Sampler({ temperature: 0 }, { vocabSize: 4 }).sample(tied).tokenId).toBe(1);
    // A temperature too small to scale by is greedy too (no NaN from 0 * Infinity).
    expect(new Sampler({ temperature: 5e-324, seed: 1 }, { vocabSize: 4 }).sample(tied).tokenId).toBe(1);
  });

  it("never writes to the logits row it is given (with or without bias and penalties)", () => {
    const rng = new Rng(5);
    const cases = [
      { temperature: 0 },
      { temperature: 0, logprobs: true, topLogprobs: 3 },
      { temperature: 0.7, topK: 5, seed: 1 },
      { temperature: 0.7, topP: 0.8, seed: 1 },
      { temperature: 0.7, minP: 0.1, seed: 1, logprobs: true },
      { temperature: 0.7, seed: 1, repetitionPenalty: 1.3, presencePenalty: 0.5, logitBias: { 3: 2 } },
    ];
    for (const params of cases) {
      const sampler = new Sampler(params, { vocabSize: 200, promptIds: [3, 4, 5] });
      for (let step = 0; step < 5; step++) {
        const logits = randomLogits(rng, 200);
        const before = logits.slice();
        sampler.sample(logits);
        expect(logits).toEqual(before);
      }
    }
  });

  it("top_k = 1 at temperature 1 is greedy", () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 50; trial++) {
      const logits = randomLogits(rng, 3000, 0.5);
      const greedy = new Sampler({ temperature: 0 }, { vocabSize: 3000 }).sample(logits).tokenId;
      expect(new Sampler({ topK: 1, seed: trial }, { vocabSize: 3000 }).sample(logits).tokenId).toBe(greedy);
    }
  });

  it("top_k = 2 draws only the two most likely tokens, in proportion", () => {
    const logits = logitsOf([0.5, 0.3, 0.1, 0.05, 0.05]);
    const n = 20000;
    const f = frequencies(new Sampler({ topK: 2, seed: 7 }, { vocabSize: 5 }), logits, n);
    expect(f[2]! + f[3]! + f[4]!).toBe(0);
    expect(Math.abs(f[0]! - 0.625)).toBeLessThan(band(0.625, n));
  });
});

describe("Sampler: seeds", () => {
  const vocab = 500;
  const rows = Array.from({ length: 64 }, (_, i) => randomLogits(new Rng(100 + i), vocab, 1));
  const run = (seed: number): number[] => {
    const s = new Sampler({ temperature: 1, topP: 0.95, seed }, { vocabSize: vocab });
    return rows.map((r) => s.sample(r).tokenId);
  };

  it("the same seed and logits give the same tokens", () => {
    expect(run(42)).toEqual(run(42));
    expect(run(2 ** 40 + 3)).toEqual(run(2 ** 40 + 3));
  });

  it("different seeds give different tokens", () => {
    expect(run(42)).not.toEqual(run(43));
    expect(run(1)).not.toEqual(run(2 ** 32 + 1));
  });
});

describe("Sampler: truncation on a hand-made distribution", () => {
  const probs = [0.5, 0.3, 0.1, 0.05, 0.05];
  const logits = logitsOf(probs);
  const n = 20000;

  it("top_p keeps the smallest prefix whose mass reaches top_p", () => {
    // Mass before token 2 is 0.8 >= 0.75: the nucleus is {0, 1}.
    const f = frequencies(new Sampler({ topP: 0.75, seed: 1 }, { vocabSize: 5 }), logits, n);
    expect(f[2]! + f[3]! + f[4]!).toBe(0);
    expect(Math.abs(f[0]! - 0.5 / 0.8)).toBeLessThan(band(0.625, n));
    // top_p just above 0.8 admits token 2.
    const g = frequencies(new Sampler({ topP: 0.85, seed: 1 }, { vocabSize: 5 }), logits, n);
    expect(g[3]! + g[4]!).toBe(0);
    expect(Math.abs(g[2]! - 0.1 / 0.9)).toBeLessThan(band(0.1 / 0.9, n));
  });

  it("min_p drops tokens below min_p times the top probability", () => {
    // Threshold 0.15 * 0.5 = 0.075: tokens 0, 1, 2 stay.
    const f = frequencies(new Sampler({ minP: 0.15, seed: 2 }, { vocabSize: 5 }), logits, n);
    expect(f[3]! + f[4]!).toBe(0);
    for (const [id, p] of [[0, 0.5 / 0.9], [1, 0.3 / 0.9], [2, 0.1 / 0.9]] as const) {
      expect(Math.abs(f[id]! - p)).toBeLessThan(band(p, n));
    }
  });

  it("no truncation reproduces the distribution", () => {
    const f = frequencies(new Sampler({ seed: 3 }, { vocabSize: 5 }), logits, n);
    probs.forEach((p, id) => expect(Math.abs(f[id]! - p)).toBeLessThan(band(p, n)));
  });

  it("temperature sharpens the distribution as p^(1/T)", () => {
    const f = frequencies(new Sampler({ temperature: 0.5, seed: 4 }, { vocabSize: 5 }), logits, n);
    const sq = probs.map((p) => p * p);
    const z = sq.reduce((a, b) => a + b, 0);
    sq.forEach((q, id) => expect(Math.abs(f[id]! - q / z)).toBeLessThan(band(q / z, n)));
  });
});

describe("Sampler: truncation on a large vocabulary matches a full-sort reference", () => {
  /** The candidate set by the textbook method: sort everything, top-k, renormalise, top-p, min-p. */
  function naiveAllowed(logits: Float32Array, t: number, topK: number, topP: number, minP: number): Set<number> {
    const ids = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
    const kept = topK > 0 ? ids.slice(0, topK) : ids;
    const m = logits[kept[0]!]!;
    const w = kept.map((id) => Math.exp((logits[id]! - m) / t));
    const total = w.reduce((a, b) => a + b, 0);
    const allowed = new Set<number>();
    let before = 0;
    for (let i = 0; i < kept.length; i++) {
      if (i > 0 && (before >= topP * total || w[i]! < minP * w[0]!)) break;
      allowed.add(kept[i]!);
      before += w[i]!;
    }
    return allowed;
  }

  const cases = [
    { topK: 0, topP: 0.9, minP: 0 },
    { topK: 0, topP: 0.999, minP: 0 },
    { topK: 40, topP: 0.8, minP: 0 },
    { topK: 0, topP: 0.9, minP: 0.05 },
    { topK: 100, topP: 1, minP: 0.1 },
    { topK: 0, topP: 1, minP: 0.02 },
  ];
  for (const c of cases) {
    it(`top_k=${c.topK} top_p=${c.topP} min_p=${c.minP}`, () => {
      const vocab = 32000;
      const rng = new Rng(9);
      for (let trial = 0; trial < 4; trial++) {
        const logits = randomLogits(rng, vocab, 2);
        const allowed = naiveAllowed(logits, 0.8, c.topK, c.topP, c.minP);
        const s = new Sampler({ temperature: 0.8, ...c, seed: trial }, { vocabSize: vocab });
        for (let i = 0; i < 300; i++) expect(allowed.has(s.sample(logits).tokenId)).toBe(true);
      }
    });
  }
});

describe("Sampler: penalties and bias", () => {
  it("repetition, presence and frequency penalties change logits exactly as specified", () => {
    const s = new Sampler({ repetitionPenalty: 2, presencePenalty: 0.5, frequencyPenalty: 0.25 }, { vocabSize: 6, promptIds: [0, 1, 1] });
    for (const id of [2, 2, 3]) s.record(id);
    const logits = Float32Array.from([2, -2, 1, 0.5, -1, 3]);
    const out = Array.from(s.processLogits(logits));
    // 0, 1: prompt only (repetition). 2: generated twice. 3: generated once. 4, 5: untouched.
    const expected = [2 / 2, -2 * 2, 1 / 2 - 2 * 0.25 - 0.5, 0.5 / 2 - 0.25 - 0.5, -1, 3];
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    expect(Array.from(logits)).toEqual([2, -2, 1, 0.5, -1, 3]);
  });

  it("sampled tokens feed the penalties of the next step", () => {
    const s = new Sampler({ temperature: 0, frequencyPenalty: 2 }, { vocabSize: 3 });
    const logits = Float32Array.from([1, 0, -5]);
    // Token 0 wins first; after one use it is at 1 - 2 = -1 < 0, so token 1 wins.
    expect(s.sample(logits).tokenId).toBe(0);
    expect(s.sample(logits).tokenId).toBe(1);
    // Both used once: 0 -> -1, 1 -> -2; token 0 again.
    expect(s.sample(logits).tokenId).toBe(0);
  });

  it("logit_bias adds to the logit and can force or ban a token", () => {
    const rng = new Rng(5);
    const logits = randomLogits(rng, 1000, 2);
    const forced = new Sampler({ logitBias: { 777: 100 }, seed: 1 }, { vocabSize: 1000 });
    for (let i = 0; i < 100; i++) expect(forced.sample(logits).tokenId).toBe(777);
    const top = new Sampler({ temperature: 0 }, { vocabSize: 1000 }).sample(logits).tokenId;
    const banned = new Sampler({ temperature: 0, logitBias: new Map([[top, -100]]) }, { vocabSize: 1000 });
    expect(banned.sample(logits).tokenId).not.toBe(top);
    expect(new Sampler({ logitBias: { 3: 1.5 } }, { vocabSize: 1000 }).processLogits(logits)[3]).toBeCloseTo(logits[3]! + 1.5, 5);
  });
});

describe("Sampler: logprobs", () => {
  it("reports log_softmax(processed / T) of the chosen token and the top alternatives", () => {
    const logits = Float32Array.from([1, 2, 0.5, -1, 3]);
    const t = 0.7;
    const s = new Sampler({ temperature: t, topK: 2, logprobs: true, topLogprobs: 5, seed: 1 }, { vocabSize: 5 });
    const r = s.sample(logits);
    const z = Math.log(Array.from(logits).reduce((a, l) => a + Math.exp(l / t), 0));
    expect(r.logprob).toBeCloseTo(logits[r.tokenId]! / t - z, 5);
    expect(r.topLogprobs!.map((x) => x.tokenId)).toEqual([4, 1, 0, 2, 3]);
    const mass = r.topLogprobs!.reduce((a, x) => a + Math.exp(x.logprob), 0);
    expect(mass).toBeCloseTo(1, 5);
  });

  it("greedy logprobs use temperature 1", () => {
    const logits = Float32Array.from([0, Math.log(3)]);
    const r = new Sampler({ temperature: 0, logprobs: true }, { vocabSize: 2 }).sample(logits);
    expect(r.tokenId).toBe(1);
    expect(r.logprob).toBeCloseTo(Math.log(0.75), 6);
    expect(r.topLogprobs).toBeUndefined();
  });
});

describe("Sampler: validation", () => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ temperature: -0.1 }, "temperature"],
    [{ temperature: Number.NaN }, "temperature"],
    [{ topK: 1.5 }, "top_k"],
    [{ topK: -1 }, "top_k"],
    [{ topP: 0 }, "top_p"],
    [{ topP: 1.01 }, "top_p"],
    [{ minP: 1.5 }, "min_p"],
    [{ repetitionPenalty: 0 }, "repetition_penalty"],
    [{ presencePenalty: 2.5 }, "presence_penalty"],
    [{ frequencyPenalty: -3 }, "frequency_penalty"],
    [{ logitBias: { 10: 1 } }, "logit_bias"],
    [{ logitBias: { 1: 101 } }, "logit_bias"],
    [{ logitBias: { x: 1 } }, "logit_bias"],
    [{ seed: 0.5 }, "seed"],
    [{ stopTokenIds: [-1] }, "stop_token_ids"],
    [{ maxTokens: 0 }, "max_tokens"],
    [{ topLogprobs: 21 }, "top_logprobs"],
  ];
  for (const [params, name] of bad) {
    it(`rejects ${JSON.stringify(params)} naming ${name}`, () => {
      expect(() => new Sampler(params, { vocabSize: 10 })).toThrow(name);
      try {
        new Sampler(params, { vocabSize: 10 });
      } catch (e) {
        expect((e as { param: string }).param).toBe(name);
      }
    });
  }

  it("rejects a logits row of the wrong length and NaN logits", () => {
    const s = new Sampler({}, { vocabSize: 4 });
    expect(() => s.sample(new Float32Array(3))).toThrow("vocabSize 4");
    expect(() => s.sample(Float32Array.from([0, Number.NaN, 1, 2]))).toThrow("NaN");
  });
});
