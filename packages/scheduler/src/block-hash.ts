/**
 * Identity of a full KV block for prefix caching. A block's KV depends on every token before it,
 * so its identity chains the previous block's digest with its own tokens (as in vLLM):
 *
 *   key(i)    = digest(i - 1) + "/" + tokens of block i      (exact: the cache map is keyed by it)
 *   digest(i) = 64-bit hash of key(i)                         (what block i + 1 chains with)
 *
 * Equal keys mean equal tokens in this block and, up to a 64-bit digest collision of the
 * prefixes before it, equal tokens before it too.
 */

export interface BlockIdentity {
  /** The prefix-cache map key. */
  key: string;
  /** What the next block chains with. */
  digest: string;
}

/** The digest before the first block. */
export const ROOT_DIGEST = "root";

/** Identity of the block holding tokens[start, end), after the block whose digest is `parentDigest`. */
export function blockIdentity(parentDigest: string, tokens: ArrayLike<number>, start: number, end: number): BlockIdentity {
  let text = "";
  // Two independent 32-bit FNV-1a style lanes over the parent digest and the token ids.
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < parentDigest.length; i++) {
    const c = parentDigest.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  for (let i = start; i < end; i++) {
    const t = tokens[i]! | 0;
    text += i === start ? `${t}` : `,${t}`;
    a = Math.imul(a ^ t, 0x01000193);
    a ^= a >>> 15;
    b = Math.imul(b ^ t, 0x5bd1e995);
    b ^= b >>> 13;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  const digest = (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
  return { key: `${parentDigest}/${text}`, digest };
}
