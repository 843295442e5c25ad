import { HOUR_MS, hourEndOf } from "@qingshan/domain";
import { inHourPeriodMs } from "@qingshan/standards";

// The hour and its label (the hour's END, air-aqi.md §8) are @qingshan/domain's; still exported here.
export { HOUR_MS, hourEndOf };

/**
 * The same as {@link hourEndOf}, as a SQL expression over an integer epoch-ms column.
 * `%` truncates toward zero in SQL, hence the double modulo.
 *
 * @example
 * `SELECT ${hourEndSql("ts")} AS hour_end FROM readings`
 */
export function hourEndSql(column: string): string {
  return `(${column} - ((${column} % ${HOUR_MS}) + ${HOUR_MS}) % ${HOUR_MS} + ${HOUR_MS})`;
}

// The sampling time a reading credits to its hour (GB 3095-2012 Table 4) is @qingshan/standards'.
export { inHourPeriodMs };

/**
 * The same as {@link inHourPeriodMs}, as a SQL expression over integer epoch-ms columns;
 * `hourEnd` is the reading's hour label (e.g. a column holding {@link hourEndSql} of `ts`).
 */
export function inHourPeriodSql(ts: string, periodMs: string, hourEnd: string): string {
  return `least(${periodMs}, ${hourEnd} - ${ts})`;
}

/**
 * What an hourly aggregate sums over its valid readings, in the form both adapters merge new
 * readings into: the mean's sum, min/max, the in-hour sampling time ({@link inHourPeriodMs}), and
 * the duration-weighted sum with its count and least/greatest in-hour time (the weighted mean's
 * inputs; a product that is not a finite double is left out of weightedSum and weightedCount).
 */
export interface ValidHourSums {
  validCount: number;
  sum: number;
  min: number;
  max: number;
  validPeriodMs: number;
  weightedSum: number;
  weightedCount: number;
  minWeight: number;
  maxWeight: number;
}

/** Sums of an hour without valid readings yet. */
export function emptyHourSums(): ValidHourSums {
  return {
    validCount: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    validPeriodMs: 0,
    weightedSum: 0,
    weightedCount: 0,
    minWeight: Number.POSITIVE_INFINITY,
    maxWeight: Number.NEGATIVE_INFINITY,
  };
}

/**
 * Adds one valid reading to the sums of its hour (`hourEnd`, its {@link hourEndOf}).
 *
 * @example
 * const sums = emptyHourSums();
 * addValidReading(sums, 30, ts, 300_000, hourEndOf(ts));
 */
export function addValidReading(
  sums: ValidHourSums,
  value: number,
  ts: number,
  periodMs: number,
  hourEnd: number,
): void {
  const inHour = Math.min(periodMs, hourEnd - ts); // inHourPeriodMs
  sums.validCount++;
  sums.sum += value;
  if (value < sums.min) sums.min = value;
  if (value > sums.max) sums.max = value;
  sums.validPeriodMs += inHour;
  if (inHour < sums.minWeight) sums.minWeight = inHour;
  if (inHour > sums.maxWeight) sums.maxWeight = inHour;
  const weighted = value * inHour;
  if (Number.isFinite(weighted)) {
    sums.weightedSum += weighted;
    sums.weightedCount++;
  }
}
