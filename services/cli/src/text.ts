/**
 * `n` and the unit, plural unless `n` is 1 (English: 1 day, 0.5 days, 3 days).
 *
 * @example
 * countOf(1, "day"); // "1 day"
 */
export function countOf(n: number, unit: string): string {
  return `${n} ${n === 1 ? unit : `${unit}s`}`;
}
