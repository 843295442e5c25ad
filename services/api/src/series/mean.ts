/**
 * Significant digits kept in computed means. Binary floating point turns the mean of 24 × 1.2 into
 * 1.2000000000000002, which would cross a class limit of exactly 1.2 or move a half-even rounding
 * tie (HJ 633-2026 §4.2.2: 34.5 → 34); 12 digits is far beyond any instrument's resolution.
 */
export const MEAN_SIGNIFICANT_DIGITS = 12;

/** Removes floating-point noise from a computed value. */
export function clean(value: number): number {
  // An integer below 10^12 has no noise to remove: the same value without the string round trip
  // (hourly values are often integers, µg/m³; a year of daily AQI cleans ~50 000 hourly means a station). + 0 turns -0 into 0, as toPrecision does.
  if (Number.isInteger(value) && Math.abs(value) < 1e12) return value + 0;
  return Number(value.toPrecision(MEAN_SIGNIFICANT_DIGITS));
}

/**
 * Arithmetic mean, cleaned of floating-point noise; null for no values.
 *
 * @example
 * mean(Array(24).fill(1.2)) // 1.2 (not 1.2000000000000002)
 */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return clean(sum / values.length);
}
