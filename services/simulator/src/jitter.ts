/**
 * An analyser's reading-to-reading scatter in absolute units: `bound` × tanh(z) for a standard
 * normal z — about 0.63 × `bound` standard deviation, never beyond ±`bound` (so it cannot take a
 * clean value across a class limit the way a gaussian tail can). The models add it where relative
 * noise alone is smaller than a few reporting steps: a steady quantity published at a fixed
 * resolution would otherwise repeat one value hour after hour, which real analysers at those levels
 * do not, and which the stuck-sensor check (config/rules.yaml `dq-stuck-sensor-*`, 8 identical
 * values in a row) reads as a fault.
 *
 * @example
 * 0.014 + jitter(rng.gaussian(id, t, "tp-jitter"), 0.004) // 0.010 … 0.018 mg/L, σ ≈ 0.0025
 */
export function jitter(z: number, bound: number): number {
  return bound * Math.tanh(z);
}
