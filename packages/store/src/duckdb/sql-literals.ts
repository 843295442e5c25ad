/**
 * SQL literals for values the write path inlines into statements (parameters cannot be bound
 * across the statements of one multi-statement run). Each renders a value DuckDB reads back
 * exactly.
 */

/**
 * A string literal: single quotes doubled (DuckDB's `'…'` literals know no backslash escapes).
 * Callers check {@link inlinableText} first.
 *
 * @example
 * sqlString("it's"); // "'it''s'"
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Whether a string can travel inlined in SQL text: no U+0000 (the SQL text would end there) and
 * no lone surrogate (it would not survive as the Appender stores it).
 */
export function inlinableText(value: unknown): value is string {
  return typeof value === "string" && !value.includes("\u0000") && !LONE_SURROGATE.test(value);
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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
