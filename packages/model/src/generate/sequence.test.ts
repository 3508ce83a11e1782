import { PageAllocator } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { Sequence } from "./sequence.js";
import { tinyModel } from "./tiny-model.fixture.js";

const tokens = Array.from({ length: 37 }, (_, i) => (i * 7 + 3) % 40);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("Sequence", () => {
  const model = tinyModel(3);

  it("chunked prefill, one-shot prefill and token-by-token decode give the same logits", () => {
    const kv = model.createKvCache(16, 4);
    const alloc = new PageAllocator(16);
    const once = new Sequence(model, kv, alloc, { prefillChunkSize: 512 });
    const a = once.prefill(tokens).slice();
    once.release();

    const chunked = new Sequence(model, kv, alloc, { prefillChunkSize: 5 });
    const b = chunked.prefill(tokens).slice();
    expect(chunked.length).toBe(tokens.length);
    expect(chunked.pages.length).toBe(Math.ceil(tokens.length / 4));
    chunked.release();

    const stepwise = new Sequence(model, kv, alloc);
    let c = stepwise.prefill(tokens.slice(0, 1)).slice();
    for (const t of tokens.slice(1)) c = stepwise.decode(t).slice();
    stepwise.release();

    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a, c)).toBeLessThan(1e-4);
    expect(alloc.freePages).toBe(16);
  });

  it("takes pages lazily, gives them back on reset/release, and refuses to outgrow maxLength", () => {
    const kv = model.createKvCache(8, 4);
    const alloc = new PageAllocator(8);
    const seq = new Sequence(model, kv, alloc, { maxLength: 10 });
    seq.prefill([1, 5, 6]);
    expect(alloc.freePages).toBe(7);
    seq.decode(7);
    seq.decode(8);
    expect(alloc.freePages).toBe(6);
    expect(() => seq.prefill([1, 2, 3, 4, 5, 6])).toThrow("maxLength 10");
    seq.reset();
    expect(alloc.freePages).toBe(8);
    seq.prefill([1, 2]);
    seq.release();
    seq.release();
    expect(alloc.freePages).toBe(8);
    expect(() => seq.decode(1)).toThrow("after release");
  });

  it("reports running out of pages clearly", () => {
    const kv = model.createKvCache(2, 4);
    const seq = new Sequence(model, kv, new PageAllocator(2));
    expect(() => seq.prefill(tokens.slice(0, 9))).toThrow("out of KV pages");
  });
});
