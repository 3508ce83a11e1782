import { Rng } from "@sieve/core";

/**
 * The RNG of one request. A seeded request gets a deterministic stream (the same seed and the
 * same logits give the same tokens on every machine); the high bits of seeds beyond 32 bits are
 * folded in so that seeds 1 and 2^32 + 1 differ. An unseeded request draws a random seed.
 */
export function rngForSeed(seed: number | undefined): Rng {
  if (seed === undefined) return new Rng((Math.random() * 4294967296) >>> 0);
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  return new Rng((low ^ Math.imul(high, 0x9e3779b1)) >>> 0);
}
