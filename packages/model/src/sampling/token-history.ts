/**
 * What the penalties need to know about a sequence: which tokens occur anywhere in it (prompt and
 * output, for the repetition penalty) and how often each was generated (output only, for the
 * presence and frequency penalties). Kept sparse, so that a 150k vocabulary costs nothing per
 * request beyond the tokens actually seen.
 */
export class TokenHistory {
  /** Every distinct token of prompt + output. */
  private readonly seen = new Set<number>();
  /** Generated token -> times generated. */
  private readonly generated = new Map<number, number>();

  constructor(promptIds: ArrayLike<number> = []) {
    for (let i = 0; i < promptIds.length; i++) this.seen.add(promptIds[i]!);
  }

  /** Records one generated token. */
  addGenerated(tokenId: number): void {
    this.seen.add(tokenId);
    this.generated.set(tokenId, (this.generated.get(tokenId) ?? 0) + 1);
  }

  /** Distinct tokens of prompt + output. */
  seenTokens(): Iterable<number> {
    return this.seen;
  }

  /** [tokenId, count] of every generated token. */
  generatedCounts(): Iterable<[number, number]> {
    return this.generated;
  }

  get generatedCount(): number {
    let n = 0;
    for (const c of this.generated.values()) n += c;
    return n;
  }
}
