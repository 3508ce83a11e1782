/**
 * Splits text at occurrences of special-token texts (e.g. "<|im_start|>") so that they encode as
 * their single ids and only the text between them goes through BPE. Where two specials could
 * match at one position the longer wins, as in Hugging Face and llama.cpp.
 */

/** A stretch of ordinary text, or a special token found in the text. */
export type TextFragment = { text: string } | { id: number };

export class SpecialTokenSplitter {
  private readonly pattern: RegExp | undefined;
  private readonly idOf: ReadonlyMap<string, number>;

  constructor(specials: Iterable<{ text: string; id: number }>) {
    const idOf = new Map<string, number>();
    for (const { text, id } of specials) if (text.length > 0 && !idOf.has(text)) idOf.set(text, id);
    this.idOf = idOf;
    const alternatives = [...idOf.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "gu") : undefined;
  }

  split(text: string): TextFragment[] {
    if (!this.pattern) return text.length > 0 ? [{ text }] : [];
    const fragments: TextFragment[] = [];
    let last = 0;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index! > last) fragments.push({ text: text.slice(last, match.index) });
      fragments.push({ id: this.idOf.get(match[0])! });
      last = match.index! + match[0].length;
    }
    if (last < text.length) fragments.push({ text: text.slice(last) });
    return fragments;
  }
}

function escapeRegExp(text: string): string {
  // Only syntax characters: the "u" flag rejects escapes of anything else (e.g. "\-").
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}
