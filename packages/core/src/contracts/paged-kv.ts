/**
 * The paged KV cache: one preallocated pool per layer, pages handed out by id (by the
 * scheduler's block manager), never reallocated. Layout per layer: K and V pools of
 * [numPages, pageSize, nKvHeads, headDim] f32 — exactly what pagedKvWrite/pagedAttention take.
 */
export interface PagedKvConfig {
  numLayers: number;
  numPages: number;
  /** Tokens per page; 16 by default. */
  pageSize?: number;
  nKvHeads: number;
  headDim: number;
}

export const DEFAULT_PAGE_SIZE = 16;

export class PagedKvCache {
  readonly numLayers: number;
  readonly numPages: number;
  readonly pageSize: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  readonly k: Float32Array[];
  readonly v: Float32Array[];

  constructor(config: PagedKvConfig) {
    const pageSize = config.pageSize ?? DEFAULT_PAGE_SIZE;
    for (const [name, value] of Object.entries({ ...config, pageSize })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`PagedKvCache: ${name} must be a positive integer, got ${value}`);
    }
    this.numLayers = config.numLayers;
    this.numPages = config.numPages;
    this.pageSize = pageSize;
    this.nKvHeads = config.nKvHeads;
    this.headDim = config.headDim;
    const perLayer = this.numPages * this.pageSize * this.nKvHeads * this.headDim;
    this.k = Array.from({ length: this.numLayers }, () => new Float32Array(perLayer));
    this.v = Array.from({ length: this.numLayers }, () => new Float32Array(perLayer));
  }

  /** Bytes of K and V one token occupies across all layers. */
  get bytesPerToken(): number {
    return 2 * this.numLayers * this.nKvHeads * this.headDim * 4;
  }

  get totalBytes(): number {
    return this.bytesPerToken * this.numPages * this.pageSize;
  }

  get capacityTokens(): number {
    return this.numPages * this.pageSize;
  }

  /** The pool slot of a sequence's position, given its block table row. */
  slotOf(blockTableRow: ArrayLike<number>, position: number): number {
    const page = blockTableRow[Math.floor(position / this.pageSize)];
    if (page === undefined || page < 0 || page >= this.numPages) {
      throw new RangeError(`PagedKvCache: position ${position} has no page in the block table`);
    }
    return page * this.pageSize + (position % this.pageSize);
  }
}

/**
 * A minimal free list of page ids, for library users that run one or a few sequences without a
 * scheduler (generation, evaluation). The scheduler's block manager replaces it when serving.
 */
export class PageAllocator {
  private readonly free: number[];

  constructor(readonly numPages: number) {
    this.free = Array.from({ length: numPages }, (_, i) => numPages - 1 - i);
  }

  get freePages(): number {
    return this.free.length;
  }

  alloc(): number {
    const page = this.free.pop();
    if (page === undefined) throw new RangeError(`PageAllocator: all ${this.numPages} KV pages are in use`);
    return page;
  }

  release(pages: Iterable<number>): void {
    for (const p of pages) {
      if (p >= 0) this.free.push(p);
    }
  }
}
