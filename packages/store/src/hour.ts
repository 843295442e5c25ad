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
