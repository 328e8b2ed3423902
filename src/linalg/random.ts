/**
 * Small, fast, seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32), so that
 * tests, benchmarks and model training are reproducible from one integer seed.
 * Not for cryptography.
 * @module
 */

/** A deterministic random stream. */
export interface Rng {
  /** Uniform float in [0, 1) with 32 random bits. */
  next(): number;
  /** Uniform integer in [0, n) for a positive integer n ≤ 2³² (no argument check: hot path). */
  int(n: number): number;
  /** Standard normal draw (mean 0, variance 1), by the Box-Muller transform. */
  normal(): number;
}

const TWO_POW_32 = 4294967296;

/**
 * Creates an xoshiro128** generator from an integer seed (taken modulo 2³²). The same seed gives
 * the same stream on every platform; nearby seeds give unrelated streams.
 *
 * @example
 * const rng = createRng(42);
 * const itemIdx = rng.int(numItems);
 */
export function createRng(seed: number): Rng {
  // splitmix32 spreads the seed over the 128-bit state, so seeds 0, 1, 2… are all good seeds.
  let sm = seed >>> 0;
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) | 0;
  };
  const nextUint32 = xoshiro128StarStar(splitmix(), splitmix(), splitmix(), splitmix());

  let spare = 0;
  let hasSpare = false;
  return {
    next: () => nextUint32() / TWO_POW_32,
    int: (n) => Math.floor((nextUint32() / TWO_POW_32) * n),
    normal: () => {
      if (hasSpare) {
        hasSpare = false;
        return spare;
      }
      const u1 = 1 - nextUint32() / TWO_POW_32; // (0, 1]: log stays finite
      const u2 = nextUint32() / TWO_POW_32;
      const radius = Math.sqrt(-2 * Math.log(u1));
      spare = radius * Math.sin(2 * Math.PI * u2);
      hasSpare = true;
      return radius * Math.cos(2 * Math.PI * u2);
    },
  };
}

/**
 * The raw xoshiro128** generator (Blackman and Vigna) from four 32-bit state words: returns a
 * function yielding uniform unsigned 32-bit integers. An all-zero state is replaced by (1, 0, 0, 0).
 * Prefer {@link createRng}; this exists for known-answer tests and custom seeding schemes.
 */
export function xoshiro128StarStar(seed0: number, seed1: number, seed2: number, seed3: number): () => number {
  let s0 = seed0 | 0;
  let s1 = seed1 | 0;
  let s2 = seed2 | 0;
  let s3 = seed3 | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  return () => {
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
}

/** Shuffles `arr` in place (Fisher-Yates, every permutation equally likely) and returns it. */
export function shuffleInPlace(arr: Int32Array, rng: Rng): Int32Array {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  return arr;
}
