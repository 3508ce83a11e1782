/**
 * Batch invariance of the kernels the engine's forward pass uses: is row r of a batched op
 * bit-identical to the same row computed alone (or in a batch of another size)? Continuous
 * batching gives a request the exact tokens it gets alone only if it is.
 *
 * The reference backend must be invariant (asserted: the engine tests rely on it). So must the
 * native backend for batches of up to 64 rows: gemv and matmul(m <= 64) keep one accumulator per
 * (row, output) walked in the same order (asserted). Above 64 rows matmul switches to a packed GEMM
 * that sums in another order, so the engine test below caps a step at 64 tokens.
 */
import { readFileSync } from "node:fs";
import { createBackend, Rng, type KernelBackend } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { haveStories260K, STORIES_260K, TINYSTORIES_TEXT } from "./assets.fixture.js";
import { collect, type Collected } from "./events.fixture.js";
import { LocalEngine } from "./local-engine.js";

interface Difference {
  op: string;
  case: string;
  differing: number;
  total: number;
  maxAbs: number;
}

function compare(op: string, what: string, a: Float32Array, b: Float32Array): Difference {
  let differing = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      differing++;
      maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!));
    }
  }
  return { op, case: what, differing, total: a.length, maxAbs };
}

function randn(n: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}

/** Runs each batched op at several batch sizes and compares every row with the row computed alone. */
function measure(backend: KernelBackend): Difference[] {
  const rng = new Rng(7);
  const diffs: Difference[] = [];
  // Linear layers, with stories260K's shapes (q/o 64x64, w1/w3 172x64, w2 64x172, head 512x64) and a 768 one.
  for (const [n, k] of [[64, 64], [172, 64], [64, 172], [512, 64], [768, 768]] as const) {
    const w = randn(n * k, rng, 0.1);
    for (const m of [2, 3, 7, 16, 33]) {
      const x = randn(m * k, rng);
      const batched = new Float32Array(m * n);
      backend.matmul(batched, x, w, "f32", m, n, k);
      const alone = new Float32Array(m * n);
      for (let r = 0; r < m; r++) backend.gemv(alone.subarray(r * n, (r + 1) * n), x.subarray(r * k, (r + 1) * k), w, "f32", n, k);
      diffs.push(compare("matmul vs gemv", `[${m}x${k}]·[${n}x${k}]^T`, batched, alone));
      const bigger = new Float32Array((m + 5) * n);
      backend.matmul(bigger, Float32Array.from([...x, ...randn(5 * k, rng)]), w, "f32", m + 5, n, k);
      diffs.push(compare("matmul m vs m+5", `[${m}x${k}]·[${n}x${k}]^T`, batched, bigger.subarray(0, m * n)));
    }
  }
  // Row-wise ops.
  const dim = 64;
  const rows = 9;
  const x = randn(rows * dim, rng);
  const weight = randn(dim, rng);
  const rowByRow = (f: (out: Float32Array, x: Float32Array, r: number) => void) => {
    const out = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) f(out.subarray(r * dim, (r + 1) * dim), x.subarray(r * dim, (r + 1) * dim), 1);
    return out;
  };
  const all = (f: (out: Float32Array, x: Float32Array, r: number) => void) => {
    const out = new Float32Array(rows * dim);
    f(out, x, rows);
    return out;
  };
  const norm = (out: Float32Array, xs: Float32Array, r: number) => backend.rmsNorm(out, xs, weight, r, dim, 1e-5);
  diffs.push(compare("rmsNorm", `${rows} rows of ${dim}`, all(norm), rowByRow(norm)));
  const positions = Int32Array.from({ length: rows }, (_, i) => 3 + 11 * i);
  const invFreq = Float32Array.from({ length: 4 }, (_, i) => 10000 ** (-i / 4));
  const roped = Float32Array.from(x);
  backend.rope(roped, positions, rows, 8, 8, invFreq, "interleaved");
  const ropedAlone = Float32Array.from(x);
  for (let r = 0; r < rows; r++) backend.rope(ropedAlone.subarray(r * dim, (r + 1) * dim), positions.subarray(r, r + 1), 1, 8, 8, invFreq, "interleaved");
  diffs.push(compare("rope", `${rows} rows, 8 heads of 8`, roped, ropedAlone));

  // Paged attention: three sequences' query tokens in one call vs each token alone.
  diffs.push(attentionAloneVsTogether(backend, rng, "6 query tokens of 3 sequences vs alone", { nHeads: 8, nKvHeads: 4, headDim: 8, maxPagesPerSeq: 4 }, [0, 0, 0, 1, 2, 2], [37, 38, 39, 5, 60, 61]));
  // MQA decode over long contexts: alone, a token is split over page ranges so both threads read;
  // the split must not depend on how many tokens share the batch.
  diffs.push(attentionAloneVsTogether(backend, rng, "3 MQA decode tokens at 700-1270 vs alone", { nHeads: 8, nKvHeads: 1, headDim: 64, maxPagesPerSeq: 80 }, [0, 1, 2], [1270, 1100, 700]));
  return diffs;
}

/** pagedAttention of every query token in one call vs each token alone, over a pool of random K/V (page size 16, each sequence's pages consecutive). */
function attentionAloneVsTogether(
  backend: KernelBackend,
  rng: Rng,
  what: string,
  geometry: { nHeads: number; nKvHeads: number; headDim: number; maxPagesPerSeq: number },
  seqOfToken: number[],
  posOfToken: number[],
): Difference {
  const { nHeads, nKvHeads, headDim, maxPagesPerSeq } = geometry;
  const pageSize = 16;
  const seqs = Math.max(...seqOfToken) + 1;
  const poolSize = seqs * maxPagesPerSeq * pageSize * nKvHeads * headDim;
  const kPool = randn(poolSize, rng), vPool = randn(poolSize, rng);
  const blockTable = Int32Array.from({ length: seqs * maxPagesPerSeq }, (_, i) => i);
  const tokenSeq = Int32Array.from(seqOfToken);
  const tokenPos = Int32Array.from(posOfToken);
  const q = randn(tokenSeq.length * nHeads * headDim, rng);
  const args = { q, kPool, vPool, blockTable, nHeads, nKvHeads, headDim, pageSize, maxPagesPerSeq, scale: 1 / Math.sqrt(headDim) };
  const together = new Float32Array(q.length);
  backend.pagedAttention({ ...args, out: together, tokenSeq, tokenPos, numTokens: tokenSeq.length });
  const alone = new Float32Array(q.length);
  const span = nHeads * headDim;
  for (let t = 0; t < tokenSeq.length; t++) {
    backend.pagedAttention({ ...args, q: q.subarray(t * span, (t + 1) * span), out: alone.subarray(t * span, (t + 1) * span), tokenSeq: tokenSeq.subarray(t, t + 1), tokenPos: tokenPos.subarray(t, t + 1), numTokens: 1 });
  }
  return compare("pagedAttention", what, together, alone);
}

function report(name: string, diffs: Difference[]): void {
  const lines = diffs.filter((d) => d.differing > 0).map((d) => `  ${d.op.padEnd(18)} ${d.case.padEnd(40)} ${d.differing}/${d.total} differ, max |diff| ${d.maxAbs.toExponential(2)}`);
  console.log(`[batch invariance] ${name}: ${lines.length === 0 ? "every row bit-identical" : `rows differ:\n${lines.join("\n")}`}`);
}

const native = createBackend("native");

describe("batch invariance of the forward-pass kernels", () => {
  it("the reference backend gives every row the same bits at any batch size", () => {
    const diffs = measure(createBackend("reference").backend);
    report("reference", diffs);
    expect(diffs.filter((d) => d.differing > 0)).toEqual([]);
  });

  it.skipIf(native.status.active !== "native")("the native backend gives every row the same bits at any batch size up to 64", () => {
    const desc = native.backend.describe();
    const diffs = measure(native.backend);
    report(`native (${desc.isa}; matmul ${desc.kernels.matmul}, gemv ${desc.kernels.gemv}, pagedAttention ${desc.kernels.pagedAttention})`, diffs);
    expect(diffs.filter((d) => d.differing > 0)).toEqual([]);
  });

  it.skipIf(native.status.active !== "native" || !haveStories260K())("stories260K on the native backend: 16 concurrent greedy requests give exactly the tokens each gives alone (steps of <= 64 tokens)", async () => {
    const stories = readFileSync(TINYSTORIES_TEXT, "utf8").split("<|endoftext|>").map((s) => s.trim()).filter(Boolean);
    const requests = stories.slice(0, 16).map((s, i) => ({ prompt: s.split(/\s+/).slice(0, 3 + ((i * 7) % 40)).join(" "), maxTokens: 8 + ((i * 13) % 60), temperature: 0 }));
    const engine = await LocalEngine.load(STORIES_260K, { backend: "native", kvBlocks: 256, enablePrefixCaching: false, maxBatchedTokens: 64 });
    const alone: Collected[] = [];
    for (const r of requests) alone.push(await collect(engine.submit(r)));
    const together = await Promise.all(requests.map((r) => collect(engine.submit(r))));
    const diverged = together
      .map((c, i) => ({ i, at: c.tokenIds.findIndex((t, j) => t !== alone[i]!.tokenIds[j]), same: JSON.stringify(c.tokenIds) === JSON.stringify(alone[i]!.tokenIds) }))
      .filter((d) => !d.same);
    console.log(
      `[batch invariance] native engine, stories260K greedy: ${16 - diverged.length}/16 requests identical alone and batched` +
        (diverged.length ? `; diverged: ${diverged.map((d) => `#${d.i} at token ${d.at}`).join(", ")}` : ""),
    );
    for (const c of together) expect(c.finish).toBeDefined();
    expect(diverged).toEqual([]);
  });
});
