import type { SchedulerStep } from "@sieve/scheduler";
import { describe, expect, it } from "vitest";
import { buildForwardBatch } from "./batch-builder.js";

describe("buildForwardBatch", () => {
  it("lays prefill chunks and decode tokens side by side, one block-table row per sequence, logits at each sequence's last token", () => {
    const step: SchedulerStep = {
      id: 1,
      copies: [],
      preempted: [],
      finished: [],
      numBatchedTokens: 5,
      sequences: [
        { seqId: "d", tokenIds: [42], startPosition: 17, numTokens: 1, blockTable: [3, 8], needsLogits: true, phase: "decode" },
        { seqId: "p", tokenIds: [1, 2, 3, 4], startPosition: 0, numTokens: 4, blockTable: [5], needsLogits: false, phase: "prefill" },
      ],
    };
    const { batch, logitSeqIds } = buildForwardBatch(step);
    expect([...batch.tokens]).toEqual([42, 1, 2, 3, 4]);
    expect([...batch.positions]).toEqual([17, 0, 1, 2, 3]);
    expect([...batch.tokenSeq]).toEqual([0, 1, 1, 1, 1]);
    expect(batch.maxPagesPerSeq).toBe(2);
    expect([...batch.blockTable]).toEqual([3, 8, 5, -1]);
    expect([...batch.logitRows]).toEqual([0]);
    expect(logitSeqIds).toEqual(["d"]);
  });
});
