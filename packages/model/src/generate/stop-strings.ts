/**
 * Matches stop strings in streamed text that arrives in arbitrary pieces (token deltas). Text
 * that could still turn out to be the start of a stop string is held back, so a stop string is
 * found even when it spans several deltas, and neither it nor any part of it is ever emitted.
 */
export class StopStringMatcher {
  private readonly stops: readonly string[];
  private pending = "";
  private done = false;

  constructor(stops: readonly string[]) {
    for (const s of stops) {
      if (typeof s !== "string" || s.length === 0) throw new RangeError(`stop strings must be non-empty strings, got ${JSON.stringify(s)}`);
    }
    this.stops = stops;
  }

  /** Whether a stop string has been seen (later pushes are ignored). */
  get stopped(): boolean {
    return this.done;
  }

  /**
   * Adds a delta; returns the text that is now safe to emit and whether a stop string was found
   * (in which case the text is everything before its earliest occurrence, and `stop` is it).
   */
  push(delta: string): { text: string; stopped: boolean; stop?: string } {
    if (this.done) return { text: "", stopped: true };
    if (this.stops.length === 0) return { text: delta, stopped: false };
    const text = this.pending + delta;
    const match = this.earliestMatch(text);
    if (match) {
      this.done = true;
      this.pending = "";
      return { text: text.slice(0, match.at), stopped: true, stop: match.stop };
    }
    const keep = this.longestPartialSuffix(text);
    this.pending = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep), stopped: false };
  }

  /** The held-back text, when generation ends for another reason. */
  flush(): string {
    const rest = this.done ? "" : this.pending;
    this.pending = "";
    return rest;
  }

  /** The earliest occurrence of any stop string (the longer one when two start together). */
  private earliestMatch(text: string): { at: number; stop: string } | undefined {
    let best: { at: number; stop: string } | undefined;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (!best || at < best.at || (at === best.at && stop.length > best.stop.length))) best = { at, stop };
    }
    return best;
  }

  /**
   * Length of the longest suffix of `text` that is a proper prefix of some stop string. Held
   * text is always shorter than the longest stop string, so this stays cheap.
   */
  private longestPartialSuffix(text: string): number {
    let longest = 0;
    for (const s of this.stops) {
      for (let len = Math.min(s.length - 1, text.length); len > longest; len--) {
        if (text.endsWith(s.slice(0, len))) {
          longest = len;
          break;
        }
      }
    }
    return longest;
  }
}
