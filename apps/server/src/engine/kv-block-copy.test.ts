import { PagedKvCache } from "@sieve/core";
import { describe, expect, it } from "vitest";
import { copyKvBlocks } from "./kv-block-copy.js";

describe("copyKvBlocks", () => {
  it("copies a page's K and V in every layer, in list order", () => {
    const kv = new PagedKvCache({ numLayers: 2, numPages: 3, pageSize: 2, nKvHeads: 1, headDim: 2 });
    const page = 4;
    for (const pool of [...kv.k, ...kv.v]) pool.forEach((_, i, a) => (a[i] = 100 * Math.floor(i / page) + (i % page)));
    // 0 -> 1 first, then 2 -> 0: page 1 gets page 0's old content.
    copyKvBlocks(kv, [{ src: 0, dst: 1 }, { src: 2, dst: 0 }]);
    for (const pool of [...kv.k, ...kv.v]) expect([...pool]).toEqual([200, 201, 202, 203, 0, 1, 2, 3, 200, 201, 202, 203]);
  });
});
