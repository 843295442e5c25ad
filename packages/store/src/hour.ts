/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;

/**
 * The label of the hour a timestamp belongs to: the END of that hour (air-aqi.md §8).
 * A reading at exactly HH:00:00.000 opens the hour [HH, HH+1) and is labelled HH+1.
 *
 * @example
 * hourEndOf(Date.UTC(2026, 0, 1, 3, 0, 0)) === Date.UTC(2026, 0, 1, 4); // true
 * hourEndOf(Date.UTC(2026, 0, 1, 3, 59, 59, 999)) === Date.UTC(2026, 0, 1, 4); // true
 */
export function hourEndOf(ts: number): number {
  // Floor (not truncation) so instants before 1970 land in the right hour as well.
  return Math.floor(ts / HOUR_MS) * HOUR_MS + HOUR_MS;
}

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

/**
 * The sampling time a reading credits to its hour (the hour holding its start, {@link hourEndOf}):
 * its averaging period, cut at the end of that hour — `min(periodMs, hourEnd − ts)`. GB 3095-2012
 * Table 4 counts the sampling time IN the hour towards a 1-h mean's 45 minutes; the part of a
 * sample after the hour's end is in no hour's credit. Instantaneous readings (period 0) credit 0.
 *
 * @example
 * inHourPeriodMs(Date.UTC(2026, 0, 1, 2, 50), 3_600_000); // 600_000: 10 of its 60 min are in 02:00–03:00
 * inHourPeriodMs(Date.UTC(2026, 0, 1, 2, 0), 3_600_000); // 3_600_000: an aligned hourly sample
 */
export function inHourPeriodMs(ts: number, periodMs: number): number {
  return Math.min(periodMs, hourEndOf(ts) - ts);
}

/**
 * The same as {@link inHourPeriodMs}, as a SQL expression over integer epoch-ms columns;
 * `hourEnd` is the reading's hour label (e.g. a column holding {@link hourEndSql} of `ts`).
 */
export function inHourPeriodSql(ts: string, periodMs: string, hourEnd: string): string {
  return `least(${periodMs}, ${hourEnd} - ${ts})`;
}
