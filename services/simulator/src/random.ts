/**
 * Keyed deterministic randomness. Every draw is a pure function of (seed, keys), never of call
 * order, so the value of station S at time t is the same whether it is generated live, in a
 * backfill, or alone in a test.
 */

export type RandomKey = string | number;

export interface SimRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  uniform(...keys: RandomKey[]): number;
  /** Standard normal N(0, 1). */
  gaussian(...keys: RandomKey[]): number;
  /**
   * Smooth noise, roughly N(0, 0.8²): value noise with knots every `scaleMs`, cosine-interpolated,
   * for slow drifts (weather, river state) that must not jump from one period to the next.
   */
  smooth(key: string, t: number, scaleMs: number): number;
}

function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashKeys(seed: number, keys: readonly RandomKey[]): number {
  // FNV-1a over the keys' text, then a murmur3 finaliser for avalanche.
  let h = (0x811c9dc5 ^ fmix32(seed)) >>> 0;
  for (const key of keys) {
    const text = `${key}\u0001`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return fmix32(h);
}

/**
 * Creates the keyed random source for a seed.
 *
 * @example
 * const rng = createRandom(42);
 * rng.uniform("ld-aq-01", 1764288000000) === createRandom(42).uniform("ld-aq-01", 1764288000000); // true
 */
export function createRandom(seed: number): SimRandom {
  const uniform = (...keys: RandomKey[]): number => hashKeys(seed, keys) / 4_294_967_296;
  const gaussian = (...keys: RandomKey[]): number => {
    // Box–Muller; 1 - u keeps the logarithm finite.
    const u1 = 1 - uniform(...keys, "g1");
    const u2 = uniform(...keys, "g2");
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  const smooth = (key: string, t: number, scaleMs: number): number => {
    const x = t / scaleMs;
    const k = Math.floor(x);
    const f = x - k;
    const w = (1 - Math.cos(Math.PI * f)) / 2;
    return gaussian(key, "knot", k) * (1 - w) + gaussian(key, "knot", k + 1) * w;
  };
  return Object.freeze({ seed, uniform, gaussian, smooth });
}
