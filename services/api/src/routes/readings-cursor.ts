import { METRIC_IDS, type MetricId, type Reading, toBeijingIso } from "@qingshan/domain";
import { badParameter } from "../http/errors.ts";

/**
 * Where a page of `/readings` ended: the ordering key of its last reading. The store returns one
 * station's readings ordered by `ts`, then `metric` (TimeSeriesStore.queryReadings: DuckDB
 * `ORDER BY ts, metric`, the InfluxDB adapter sorts the same way), and a reading's key is
 * station+metric+ts, so (ts, metric) orders them strictly. `station` and `metricFilter` tie the
 * cursor to the query it came from.
 */
export interface ReadingsCursor {
  readonly station: string;
  /** The query's `metric` filter; undefined = every metric. */
  readonly metricFilter: MetricId | undefined;
  readonly ts: number;
  readonly metric: MetricId;
}

const VERSION = 1;
const EXPECTED = "the cursor of the `next` link of a /readings answer";
const METRICS = new Set<string>(METRIC_IDS);

/**
 * The opaque form: base64url of a small JSON record. Clients pass it back as they got it.
 *
 * @example
 * encodeCursor({ station: "aq1", metricFilter: undefined, ts: 1_796_400_000_000, metric: "pm25" })
 */
export function encodeCursor(cursor: ReadingsCursor): string {
  const record = {
    v: VERSION,
    s: cursor.station,
    ...(cursor.metricFilter !== undefined ? { f: cursor.metricFilter } : {}),
    t: cursor.ts,
    m: cursor.metric,
  };
  return Buffer.from(JSON.stringify(record), "utf8").toString("base64url");
}

/**
 * The cursor of `raw`, checked against the query it is used with: a 400 naming `cursor` when it is
 * not one this API wrote, was issued for another station or metric filter, or lies outside
 * [from, to).
 */
export function decodeCursor(
  raw: string,
  query: { station: string; metricFilter: MetricId | undefined; from: number; to: number },
): ReadingsCursor {
  const cursor = parse(raw);
  if (cursor === undefined) throw badParameter("cursor", raw, EXPECTED);
  if (cursor.station !== query.station || cursor.metricFilter !== query.metricFilter) {
    const of = (station: string, metric: string | undefined) =>
      `station ${station}, ${metric === undefined ? "every metric" : `metric ${metric}`}`;
    throw badParameter(
      "cursor",
      raw,
      `a cursor of this query (${of(query.station, query.metricFilter)}); this one continues a query of ${of(cursor.station, cursor.metricFilter)}`,
    );
  }
  if (cursor.ts < query.from || cursor.ts >= query.to) {
    throw badParameter(
      "cursor",
      raw,
      `a cursor inside this query's range [${toBeijingIso(query.from)}, ${toBeijingIso(query.to)}); this one is at ${toBeijingIso(cursor.ts)} (give the from and to of the \`next\` link)`,
    );
  }
  return cursor;
}

function parse(raw: string): ReadingsCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(raw)) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof record !== "object" || record === null) return undefined;
  const { v, s, f, t, m } = record as Record<string, unknown>;
  if (v !== VERSION || typeof s !== "string" || s === "") return undefined;
  if (f !== undefined && !(typeof f === "string" && METRICS.has(f))) return undefined;
  if (typeof t !== "number" || !Number.isSafeInteger(t)) return undefined;
  if (typeof m !== "string" || !METRICS.has(m)) return undefined;
  return { station: s, metricFilter: f as MetricId | undefined, ts: t, metric: m as MetricId };
}

/**
 * Whether `reading` comes after the cursor in the store's order. Metric ids are ASCII, so `>`
 * compares them as the store's VARCHAR (byte) order does.
 */
export function isAfterCursor(reading: Reading, cursor: ReadingsCursor): boolean {
  return reading.ts > cursor.ts || (reading.ts === cursor.ts && reading.metric > cursor.metric);
}
