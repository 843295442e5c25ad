/**
 * SQL literals for values the write path inlines into statements (parameters cannot be bound
 * across the statements of one multi-statement run). Each renders a value DuckDB reads back
 * exactly.
 */

/**
 * A string literal: single quotes doubled (DuckDB's `'…'` literals know no backslash escapes).
 * Callers must not pass a string containing U+0000: the SQL text would end there
 * ({@link hasNul}).
 *
 * @example
 * sqlString("it's"); // "'it''s'"
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Whether a string contains U+0000, which an inlined literal cannot carry. */
export function hasNul(value: string): boolean {
  return value.includes("\u0000");
}

/**
 * A DOUBLE literal that reads back as the same double: exponent notation makes DuckDB parse it as
 * DOUBLE (a plain decimal would be a DECIMAL, whose cast can be off by one ulp), and
 * `toExponential()` gives the shortest digits that round-trip. `-0` keeps its sign.
 *
 * @example
 * sqlDouble(35.2); // "3.52e+1"
 */
export function sqlDouble(value: number): string {
  return Object.is(value, -0) ? "-0e0" : value.toExponential();
}

/** A DOUBLE literal, or a typed NULL (so a VALUES column of only NULLs stays DOUBLE). */
export function sqlNullableDouble(value: number | null): string {
  return value === null ? "CAST(NULL AS DOUBLE)" : sqlDouble(value);
}

/**
 * An integer literal of a safe integer (epoch ms, counts).
 *
 * @example
 * sqlInteger(1764374400000); // "1764374400000"
 */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${String(value)}`);
  return String(value);
}
