import { byValueDescending, selectTopK } from "./partial-select.js";

/** The truncations, applied in Hugging Face's order: top-k, then top-p, then min-p. */
export interface Truncation {
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  minP: number;
}

/** Buffers owned by a Sampler and reused for every token. */
export interface CandidateBuffers {
  /** [vocab] weights[id] = exp((logit - max) / T) for every candidate id (other entries are stale). */
  weights: Float32Array;
  /** [vocab] candidate ids. */
  order: Int32Array;
  /** [NUCLEUS_BUCKETS] mass per log-weight bucket (top-p without top-k). */
  bucketMass: Float64Array;
}

export function createCandidateBuffers(vocab: number): CandidateBuffers {
  return { weights: new Float32Array(vocab), order: new Int32Array(vocab), bucketMass: new Float64Array(NUCLEUS_BUCKETS) };
}

/** The tokens that may be drawn and their total unnormalised weight. */
export interface CandidateSet {
  /** True: every token, in id order, is a candidate (no truncation was active). */
  all: boolean;
  /** Candidates are order[0..count) (when !all), in no particular order. */
  count: number;
  /** Sum of the candidates' weights. */
  mass: number;
  /** Sum of the weights of the whole vocabulary, when it was computed on the way (for logprobs). */
  vocabMass: number | undefined;
}

/**
 * Top-p buckets tokens by log-weight: bucket b holds weights in (e^-(b+1)w, e^-bw] with
 * w = NUCLEUS_LOG_RANGE / NUCLEUS_BUCKETS (about 0.02); the last bucket takes everything below
 * e^-NUCLEUS_LOG_RANGE.
 */
export const NUCLEUS_BUCKETS = 2048;
const NUCLEUS_LOG_RANGE = 40;

/**
 * Finds the candidates of a temperature-scaled distribution with as little work as the
 * truncation allows, never sorting the vocabulary: top-k selects k ids by partial selection;
 * top-p finds the nucleus with a histogram of log-weights and sorts only the one bucket it ends
 * in; min-p is a threshold (the top token's weight is exactly 1); no truncation needs no
 * selection at all, the draw walks the vocabulary in id order.
 *
 * `max` is the row maximum; invT = 1 / temperature (> 0).
 */
export function buildCandidates(logits: Float32Array, max: number, invT: number, t: Truncation, b: CandidateBuffers): CandidateSet {
  const { weights, order } = b;
  const vocab = logits.length;

  if (t.topK > 0 && t.topK < vocab) {
    const n = selectTopK(logits, t.topK, order);
    let mass = 0;
    for (let i = 0; i < n; i++) {
      const id = order[i]!;
      const w = Math.exp((logits[id]! - max) * invT);
      weights[id] = w;
      mass += w;
    }
    return sortedPrefix(order, n, weights, mass, t);
  }

  let vocabMass = 0;
  for (let i = 0; i < vocab; i++) {
    const w = Math.exp((logits[i]! - max) * invT);
    weights[i] = w;
    vocabMass += w;
  }
  if (t.topP >= 1 && t.minP <= 0) return { all: true, count: vocab, mass: vocabMass, vocabMass };

  let n: number;
  if (t.topP < 1) {
    n = nucleus(logits, max, invT, t.topP * vocabMass, b);
  } else {
    n = 0;
    for (let i = 0; i < vocab; i++) order[n++] = i;
  }
  // min-p after top-p: both keep a most-likely prefix, so filtering the nucleus is their intersection.
  let kept = 0;
  let mass = 0;
  for (let i = 0; i < n; i++) {
    const id = order[i]!;
    const w = weights[id]!;
    if (w >= t.minP) {
      order[kept++] = id;
      mass += w;
    }
  }
  return { all: false, count: kept, mass, vocabMass };
}

/**
 * Writes the top-p nucleus to order[0..count) and returns count: the fewest most likely tokens
 * whose weight reaches `target` (Hugging Face's rule: a token stays while the mass before it is
 * below top_p). Two passes over the vocabulary plus a sort of one bucket.
 */
function nucleus(logits: Float32Array, max: number, invT: number, target: number, b: CandidateBuffers): number {
  const { weights, order, bucketMass } = b;
  const vocab = logits.length;
  const last = NUCLEUS_BUCKETS - 1;
  const toBucket = invT * (NUCLEUS_BUCKETS / NUCLEUS_LOG_RANGE);
  bucketMass.fill(0);
  for (let i = 0; i < vocab; i++) {
    const s = (max - logits[i]!) * toBucket;
    bucketMass[s < last ? Math.floor(s) : last] += weights[i]!;
  }
  // The first bucket at which the running mass reaches the target holds the boundary.
  let before = 0;
  let boundary = last;
  for (let k = 0; k < NUCLEUS_BUCKETS; k++) {
    if (before + bucketMass[k]! >= target) {
      boundary = k;
      break;
    }
    before += bucketMass[k]!;
  }
  // Buckets above the boundary are in; the boundary bucket's ids go to the back of `order`.
  let n = 0;
  let tail = vocab;
  for (let i = 0; i < vocab; i++) {
    const s = (max - logits[i]!) * toBucket;
    const k = s < last ? Math.floor(s) : last;
    if (k < boundary) order[n++] = i;
    else if (k === boundary) order[--tail] = i;
  }
  const edge = order.subarray(tail);
  edge.sort(byValueDescending(weights));
  let mass = before;
  for (let j = 0; j < edge.length && (mass < target || n === 0); j++) {
    order[n++] = edge[j]!;
    mass += weights[edge[j]!]!;
  }
  return n;
}

/**
 * Cuts a sorted candidate list (the top-k set) to the top-p nucleus of its own mass and to
 * min-p; keeps at least one token.
 */
function sortedPrefix(order: Int32Array, n: number, weights: Float32Array, referenceMass: number, t: Truncation): CandidateSet {
  const target = t.topP * referenceMass;
  const floor = t.minP * weights[order[0]!]!;
  let mass = 0;
  let count = 0;
  for (; count < n; count++) {
    const w = weights[order[count]!]!;
    if (count > 0 && ((t.topP < 1 && mass >= target) || w < floor)) break;
    mass += w;
  }
  return { all: false, count, mass, vocabMass: undefined };
}

/** Draws one candidate with probability proportional to its weight; u is uniform in [0, 1). */
export function drawCandidate(set: CandidateSet, b: CandidateBuffers, u: number): number {
  const { weights, order } = b;
  const threshold = u * set.mass;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < set.count; i++) {
    const id = set.all ? i : order[i]!;
    const w = weights[id]!;
    if (w <= 0) continue;
    cum += w;
    last = id;
    if (cum > threshold) return id;
  }
  // Rounding left the threshold past the running sum: the last token with weight wins.
  if (last < 0) throw new RangeError("sampler: no token has non-zero probability");
  return last;
}
