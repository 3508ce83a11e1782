/**
 * The physical KV blocks: reference counts, the free list, and the prefix cache.
 *
 * Every block is in exactly one of three states:
 *   used       refCount > 0 (held by one or more sequences' block tables)
 *   cached     refCount 0 but its KV is still valid for a prefix key: kept in an LRU, reusable by
 *              a later request with the same prefix, evicted only when no free block is left
 *   free       refCount 0 and holding nothing worth keeping
 * so free + cached + used == numBlocks at all times.
 */

export interface BlockPoolCounts {
  total: number;
  used: number;
  cached: number;
  free: number;
}

export class BlockPool {
  readonly numBlocks: number;
  private readonly refCounts: Int32Array;
  /** Prefix key of each block that holds a registered full block (undefined: none). */
  private readonly keys: (string | undefined)[];
  /** Free block ids; popped from the end, so low ids go out first (pushed in reverse). */
  private readonly free: number[];
  /** Cached blocks with refCount 0, least recently used first (a Set keeps insertion order). */
  private readonly evictable = new Set<number>();
  /** Prefix key -> block. */
  private readonly cache = new Map<string, number>();
  private usedCount = 0;
  private evictionCount = 0;

  constructor(numBlocks: number) {
    if (!Number.isSafeInteger(numBlocks) || numBlocks < 1) throw new RangeError(`BlockPool: numBlocks must be a positive integer, got ${numBlocks}`);
    this.numBlocks = numBlocks;
    this.refCounts = new Int32Array(numBlocks);
    this.keys = new Array<string | undefined>(numBlocks).fill(undefined);
    this.free = Array.from({ length: numBlocks }, (_, i) => numBlocks - 1 - i);
  }

  counts(): BlockPoolCounts {
    return { total: this.numBlocks, used: this.usedCount, cached: this.evictable.size, free: this.free.length };
  }

  /** Blocks that allocate() can hand out now (free ones, then cached ones by eviction). */
  get available(): number {
    return this.free.length + this.evictable.size;
  }

  /** Cached blocks evicted so far to make room. */
  get evictions(): number {
    return this.evictionCount;
  }

  refCount(block: number): number {
    return this.refCounts[block]!;
  }

  /** Whether the block is idle in the prefix cache (refCount 0, evictable). */
  isEvictable(block: number): boolean {
    return this.evictable.has(block);
  }

  /** A fresh block with refCount 1: a free one, else the least recently used cached one. Undefined when none is left. */
  allocate(): number | undefined {
    let block = this.free.pop();
    if (block === undefined) {
      const oldest = this.evictable.values().next();
      if (oldest.done) return undefined;
      block = oldest.value;
      this.evictable.delete(block);
      this.cache.delete(this.keys[block]!);
      this.keys[block] = undefined;
      this.evictionCount++;
    }
    this.refCounts[block] = 1;
    this.usedCount++;
    return block;
  }

  /** One more holder of a used or cached block (a cached block leaves the LRU). */
  retain(block: number): void {
    this.checkId(block);
    if (this.refCounts[block] === 0) {
      if (!this.evictable.delete(block)) throw new Error(`BlockPool: block ${block} is free; only used or cached blocks can be retained`);
      this.usedCount++;
    }
    this.refCounts[block]! += 1;
  }

  /** One holder fewer; at zero the block becomes cached (if it has a prefix key) or free. */
  release(block: number): void {
    this.checkId(block);
    if (this.refCounts[block]! <= 0) throw new Error(`BlockPool: block ${block} released more often than it was held`);
    this.refCounts[block]! -= 1;
    if (this.refCounts[block] === 0) {
      this.usedCount--;
      if (this.keys[block] !== undefined) this.evictable.add(block);
      else this.free.push(block);
    }
  }

  /** The cached (used or idle) block holding this prefix key, if any. Does not retain it. */
  lookup(key: string): number | undefined {
    return this.cache.get(key);
  }

  /**
   * Records that a used block now holds the full block with this prefix key. Returns false (and
   * records nothing) when another block already holds the key: the first one stays canonical.
   */
  register(block: number, key: string): boolean {
    this.checkId(block);
    if (this.refCounts[block]! <= 0) throw new Error(`BlockPool: block ${block} must be in use to be registered`);
    const existing = this.keys[block];
    if (existing !== undefined) return existing === key;
    if (this.cache.has(key)) return false;
    this.keys[block] = key;
    this.cache.set(key, block);
    return true;
  }

  /** Drops every cached prefix (idle cached blocks become free). */
  clearCache(): void {
    for (const block of this.evictable) this.free.push(block);
    this.evictable.clear();
    this.cache.clear();
    this.keys.fill(undefined);
  }

  private checkId(block: number): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.numBlocks) {
      throw new RangeError(`BlockPool: block id ${block} is not in [0, ${this.numBlocks})`);
    }
  }
}
