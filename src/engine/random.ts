import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** The only source of randomness in the engine: seeded, so a run is a pure function of its scenario. */
export class Random {
  private readonly gen: RandomGenerator;
  constructor(seed: number) {
    // xoroshiro128+ seeded with a small integer starts with nearly the same outputs for
    // nearby seeds (its first value is ~1.0 for seeds 1, 2, 3...): mix the seed, skip a few.
    this.gen = xoroshiro128plus(mix32(seed));
    for (let i = 0; i < 8; i++) this.gen.next();
  }
  /** uniform in [0, 1) */
  next(): number {
    return uniformFloat64(this.gen);
  }
  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** MurmurHash3's 32-bit finaliser: spreads nearby integers over the whole range. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h | 0;
}

/** A 32-bit hash of a string (FNV-1a), for deriving per-task seeds from stable ids. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
