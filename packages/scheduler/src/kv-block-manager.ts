/**
 * Per-sequence KV block tables over the BlockPool: admission (with prefix-cache hits), growth
 * (a new block per blockSize tokens, copy-on-write of shared blocks), release of blocks in the
 * middle of a sequence (holes), forks, and freeing.
 *
 * Logical block i of a sequence holds positions [i * blockSize, (i + 1) * blockSize). Positions
 * stay absolute even when blocks are released: a hole (-1) is simply a range of positions whose
 * KV is gone and which attention must skip.
 */
import { blockIdentity, ROOT_DIGEST, type BlockIdentity } from "./block-hash.js";
import { BlockPool, type BlockPoolCounts } from "./block-pool.js";
import type { BlockCopy } from "./step.js";

/** A run of cached full blocks that starts a token sequence. */
export interface CachedPrefix {
  blocks: number[];
  /** Identities of those blocks (reused when the sequence registers its own blocks). */
  identities: BlockIdentity[];
  /** blocks.length * blockSize. */
  numTokens: number;
}

interface SequenceBlocks {
  /** Physical block per logical block; -1 = released. */
  table: number[];
  /** Identities of the sequence's full blocks, as far as they have been computed. */
  identities: BlockIdentity[];
  /** Leading full blocks already offered to the prefix cache. */
  offered: number;
  /**
   * False once blocks were released mid-sequence: KV computed afterwards attended to fewer
   * tokens than a full prefix would, so it must not be shared as if it were that prefix.
   */
  cacheable: boolean;
}

const EMPTY_PREFIX: CachedPrefix = { blocks: [], identities: [], numTokens: 0 };

export class KvBlockManager {
  readonly pool: BlockPool;
  private readonly seqs = new Map<string, SequenceBlocks>();

  constructor(
    numBlocks: number,
    readonly blockSize: number,
    readonly prefixCaching = true,
  ) {
    this.pool = new BlockPool(numBlocks);
  }

  blocksFor(numTokens: number): number {
    return Math.ceil(numTokens / this.blockSize);
  }

  has(seqId: string): boolean {
    return this.seqs.has(seqId);
  }

  /** The sequence's block table (live; copy it to keep it). */
  table(seqId: string): readonly number[] {
    return this.get(seqId).table;
  }

  counts(): BlockPoolCounts {
    return this.pool.counts();
  }

  /** Ids and tables of every sequence holding blocks (for invariant checks and debugging). */
  tables(): Map<string, readonly number[]> {
    return new Map([...this.seqs].map(([id, s]) => [id, s.table]));
  }

  /**
   * The longest run of cached full blocks that starts `tokens`, covering at most `maxTokens`
   * tokens. Nothing is retained yet: admit() does that.
   */
  findCachedPrefix(tokens: ArrayLike<number>, maxTokens: number): CachedPrefix {
    if (!this.prefixCaching) return EMPTY_PREFIX;
    const bs = this.blockSize;
    const blocks: number[] = [];
    const identities: BlockIdentity[] = [];
    let parent = ROOT_DIGEST;
    for (let end = bs; end <= Math.min(maxTokens, tokens.length); end += bs) {
      const id = blockIdentity(parent, tokens, end - bs, end);
      const block = this.pool.lookup(id.key);
      if (block === undefined) break;
      blocks.push(block);
      identities.push(id);
      parent = id.digest;
    }
    return { blocks, identities, numTokens: blocks.length * bs };
  }

  /**
   * Starts a sequence's table: retains the cached prefix and allocates blocks for the rest of
   * the first `numTokens` tokens, keeping `reserve` blocks available afterwards. All or nothing:
   * returns false (changing nothing) when the pool is too short.
   */
  admit(seqId: string, prefix: CachedPrefix, numTokens: number, reserve = 0): boolean {
    if (this.seqs.has(seqId)) throw new Error(`KvBlockManager: sequence ${seqId} already holds blocks`);
    if (numTokens < prefix.numTokens) throw new RangeError(`KvBlockManager: ${numTokens} tokens cannot be fewer than the cached prefix's ${prefix.numTokens}`);
    // Taking an idle cached block out of the LRU makes it unavailable for allocation too.
    let idleHits = 0;
    for (const b of prefix.blocks) if (this.pool.isEvictable(b)) idleHits++;
    const fresh = this.blocksFor(numTokens) - prefix.blocks.length;
    if (this.pool.available - idleHits < fresh + reserve) return false;
    for (const b of prefix.blocks) this.pool.retain(b);
    const table = [...prefix.blocks];
    for (let i = 0; i < fresh; i++) table.push(this.pool.allocate()!);
    this.seqs.set(seqId, { table, identities: [...prefix.identities], offered: prefix.blocks.length, cacheable: true });
    return true;
  }

  /**
   * Makes room to write positions [numComputed, numTokens): allocates the missing blocks, and
   * gives the sequence a private copy of any block in that range it shares with another
   * sequence (copy-on-write). Returns the copies to perform before the forward pass, or
   * undefined (changing nothing) when the pool is too short.
   */
  grow(seqId: string, numComputed: number, numTokens: number): BlockCopy[] | undefined {
    const s = this.get(seqId);
    const needed = this.blocksFor(numTokens);
    const firstWritten = Math.floor(numComputed / this.blockSize);
    let shared = 0;
    for (let i = firstWritten; i < Math.min(needed, s.table.length); i++) {
      const b = s.table[i]!;
      if (b < 0) throw new Error(`KvBlockManager: sequence ${seqId} writes position ${i * this.blockSize}+ into released block ${i}`);
      if (this.pool.refCount(b) > 1) shared++;
    }
    const fresh = Math.max(0, needed - s.table.length);
    if (this.pool.available < fresh + shared) return undefined;
    const copies: BlockCopy[] = [];
    for (let i = firstWritten; i < Math.min(needed, s.table.length); i++) {
      const src = s.table[i]!;
      if (this.pool.refCount(src) <= 1) continue;
      const dst = this.pool.allocate()!;
      this.pool.release(src);
      s.table[i] = dst;
      copies.push({ src, dst });
    }
    while (s.table.length < needed) s.table.push(this.pool.allocate()!);
    return copies;
  }

  /**
   * Records that the first `numComputed` of `tokens` now have their KV in the cache: every full
   * block among them gets its identity, and (prefix caching on, sequence still cacheable) is
   * registered so later requests can share it.
   */
  commit(seqId: string, tokens: ArrayLike<number>, numComputed: number): void {
    const s = this.get(seqId);
    const bs = this.blockSize;
    const full = Math.floor(Math.min(numComputed, tokens.length) / bs);
    while (s.identities.length < full) {
      const i = s.identities.length;
      const parent = i === 0 ? ROOT_DIGEST : s.identities[i - 1]!.digest;
      s.identities.push(blockIdentity(parent, tokens, i * bs, (i + 1) * bs));
    }
    if (!this.prefixCaching || !s.cacheable) {
      s.offered = Math.max(s.offered, full);
      return;
    }
    for (; s.offered < full; s.offered++) {
      const b = s.table[s.offered]!;
      if (b >= 0) this.pool.register(b, s.identities[s.offered]!.key);
    }
  }

  /**
   * Gives back the given logical blocks of a sequence (a policy such as StreamingLLM dropping
   * the middle of the context). Only blocks whose positions are all computed (below
   * `numComputed`) may go; the table keeps a hole (-1) there. Returns how many were released.
   */
  release(seqId: string, logicalIndices: Iterable<number>, numComputed: number): number {
    const s = this.get(seqId);
    const lastFull = Math.floor(numComputed / this.blockSize);
    let released = 0;
    for (const i of logicalIndices) {
      if (!Number.isInteger(i) || i < 0 || i >= s.table.length) {
        throw new RangeError(`releaseBlocks: logical block ${i} of sequence ${seqId} is not in [0, ${s.table.length})`);
      }
      if (i >= lastFull) {
        throw new RangeError(`releaseBlocks: logical block ${i} of sequence ${seqId} is still being written (only blocks below ${lastFull} are complete)`);
      }
      const b = s.table[i]!;
      if (b < 0) continue;
      this.pool.release(b);
      s.table[i] = -1;
      released++;
    }
    if (released > 0) s.cacheable = false;
    return released;
  }

  /** Makes `childId` share every block of `parentId` (parallel sampling); writes then copy on write. */
  fork(parentId: string, childId: string): void {
    const p = this.get(parentId);
    if (this.seqs.has(childId)) throw new Error(`KvBlockManager: sequence ${childId} already holds blocks`);
    for (const b of p.table) if (b >= 0) this.pool.retain(b);
    this.seqs.set(childId, { table: [...p.table], identities: [...p.identities], offered: p.offered, cacheable: p.cacheable });
  }

  /** Gives back every block of the sequence, last first, so that its tail is evicted before its (more shareable) head. */
  free(seqId: string): void {
    const s = this.seqs.get(seqId);
    if (!s) return;
    for (let i = s.table.length - 1; i >= 0; i--) {
      const b = s.table[i]!;
      if (b >= 0) this.pool.release(b);
    }
    this.seqs.delete(seqId);
  }

  private get(seqId: string): SequenceBlocks {
    const s = this.seqs.get(seqId);
    if (!s) throw new Error(`KvBlockManager: sequence ${seqId} holds no blocks`);
    return s;
  }
}
