import { METRIC_IDS, type MetricId, type Reading } from "@qingshan/domain";
import { badParameter } from "../http/errors.ts";
import { checkCursorFits, decodeCursorRecord, encodeCursorRecord } from "../http/paging.ts";

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

const EXPECTED = "the cursor of the `next` link of a /readings answer";
const METRICS = new Set<string>(METRIC_IDS);

/**
 * The opaque form (http/paging.ts encodeCursorRecord). Clients pass it back as they got it.
 *
 * @example
 * encodeCursor({ station: "aq1", metricFilter: undefined, ts: 1_796_400_000_000, metric: "pm25" })
 */
export function encodeCursor(cursor: ReadingsCursor): string {
  return encodeCursorRecord({
    s: cursor.station,
    ...(cursor.metricFilter !== undefined ? { f: cursor.metricFilter } : {}),
    t: cursor.ts,
    m: cursor.metric,
  });
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
  const of = (station: string, metric: string | undefined) =>
    `station ${station}, ${metric === undefined ? "every metric" : `metric ${metric}`}`;
  checkCursorFits(
    raw,
    { issuedFor: of(cursor.station, cursor.metricFilter), query: of(query.station, query.metricFilter) },
    cursor.ts,
    query,
  );
  return cursor;
}

function parse(raw: string): ReadingsCursor | undefined {
  const record = decodeCursorRecord(raw, 1000);
  if (record === undefined) return undefined;
  const { s, f, t, m } = record;
  if (typeof s !== "string" || s === "") return undefined;
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
