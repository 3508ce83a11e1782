/** Copy-on-write copies the scheduler asks for, performed on the KV pool before a forward pass. */
import type { PagedKvCache } from "@sieve/core";
import type { BlockCopy } from "@sieve/scheduler";

/** Copies K and V of every layer from page src to page dst, in list order (a later copy may reuse an earlier source). */
export function copyKvBlocks(kv: PagedKvCache, copies: readonly BlockCopy[]): void {
  const pageElems = kv.pageSize * kv.nKvHeads * kv.headDim;
  for (const { src, dst } of copies) {
    for (const pool of [...kv.k, ...kv.v]) pool.copyWithin(dst * pageElems, src * pageElems, (src + 1) * pageElems);
  }
}
