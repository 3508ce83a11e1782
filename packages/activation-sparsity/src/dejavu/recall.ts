/**
 * How well predicted scores pick the neurons (or heads) that truly matter, at a budget:
 * - recall: of the K = budget * N items an oracle with the true contributions would keep, the
 *   fraction the predictor's top K also keeps (averaged over tokens);
 * - mass recall: the contribution mass the predictor's top K captures, over the oracle's.
 * Random selection scores a recall of about `budget`; an oracle scores 1 on both.
 */
import { keepCount, topIndices } from "./labels.js";

export interface SelectionRecall {
  budget: number;
  recall: number;
  massRecall: number;
}

export function selectionRecall(predicted: Float32Array, truth: Float32Array, rows: number, n: number, budget: number): SelectionRecall {
  const k = keepCount(budget, n);
  const mine = new Int32Array(k);
  const best = new Int32Array(k);
  const inBest = new Uint8Array(n);
  let recallSum = 0;
  let massSum = 0;
  for (let t = 0; t < rows; t++) {
    const p = predicted.subarray(t * n, (t + 1) * n);
    const c = truth.subarray(t * n, (t + 1) * n);
    topIndices(p, k, mine);
    topIndices(c, k, best);
    inBest.fill(0);
    let oracleMass = 0;
    for (let i = 0; i < k; i++) {
      inBest[best[i]!] = 1;
      oracleMass += c[best[i]!]!;
    }
    let hits = 0;
    let mass = 0;
    for (let i = 0; i < k; i++) {
      hits += inBest[mine[i]!]!;
      mass += c[mine[i]!]!;
    }
    recallSum += hits / k;
    massSum += oracleMass > 0 ? mass / oracleMass : 1;
  }
  return { budget, recall: rows > 0 ? recallSum / rows : Number.NaN, massRecall: rows > 0 ? massSum / rows : Number.NaN };
}
