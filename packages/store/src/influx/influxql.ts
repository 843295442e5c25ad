/** InfluxQL and line-protocol helpers: quoting, time literals, names of what the adapter stores. */

/** Measurements of the adapter (README "InfluxDB schema"). */
export const MEASUREMENT = {
  readings: "readings",
  hourly: "hourly",
  deadLetters: "dead_letters",
  alertEvents: "alert_events",
  meta: "store_meta",
} as const;

/** InfluxDB's time range is ±(2^63 − 2) ns; ms bounds beyond it are clamped. */
export const MAX_MS = 9_223_372_036_853;

/**
 * A string literal of InfluxQL: single-quoted, `\` and `'` escaped.
 *
 * @example
 * quoteString("it's"); // "'it\\'s'"
 */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * An identifier of InfluxQL (database, retention policy, measurement): double-quoted.
 *
 * @example
 * quoteIdent('my "db"'); // '"my \\"db\\""'
 */
export function quoteIdent(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A time literal in ns for an epoch-ms bound, integral and clamped to InfluxDB's range.
 * `round` keeps the comparison exact for integer-ms data (`ts >= 1.5` is `ts >= 2`).
 *
 * @example
 * timeNs(1.5, "ceil"); // "2000000"
 */
export function timeNs(ms: number, round: "ceil" | "floor"): string {
  const clamped = Math.max(-MAX_MS, Math.min(MAX_MS, round === "ceil" ? Math.ceil(ms) : Math.floor(ms)));
  return (BigInt(clamped) * 1_000_000n).toString();
}

/**
 * `(key = 'a' OR key = 'b')` for a tag or string field, or "" when `values` is empty.
 *
 * @example
 * anyOf("station", ["A", "B"]); // "(station = 'A' OR station = 'B')"
 */
export function anyOf(key: string, values: Iterable<string>): string {
  const terms = [...values].map((v) => `${quoteIdent(key)} = ${quoteString(v)}`);
  return terms.length === 0 ? "" : `(${terms.join(" OR ")})`;
}

/**
 * A sub-millisecond offset in ns (0 … 999 999) derived from an id (FNV-1a), so that records keyed
 * by id but timed by a ms instant (dead letters, alert events) get distinct, stable timestamps:
 * rewriting the same id at the same ms overwrites the same point.
 *
 * @example
 * idOffsetNs("evt-1") === idOffsetNs("evt-1"); // true
 */
export function idOffsetNs(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1_000_000;
}

/**
 * The ns timestamp of a record timed at `ms` with identity `id`.
 *
 * @example
 * recordTimeNs(1000, "x"); // 1000n * 1_000_000n + BigInt(idOffsetNs("x"))
 */
export function recordTimeNs(ms: number, id: string): bigint {
  return BigInt(ms) * 1_000_000n + BigInt(idOffsetNs(id));
}
