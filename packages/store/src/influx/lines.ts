import { escape as lineEscape, Point, type PointSettings } from "@influxdata/influxdb-client";
import type {
  AlertEvent,
  DataFlag,
  DeadLetter,
  MetricId,
  Reading,
  ReadingSource,
  RejectionCode,
} from "@qingshan/domain";
import { addValidReading, emptyHourSums, inHourPeriodMs, type ValidHourSums } from "../hour.ts";
import type { HourlyAggregate } from "../store.ts";
import { MEASUREMENT, recordTimeNs } from "./influxql.ts";

/** Timestamps are given already in the request's precision (ms or ns) as integers. */
const AS_IS: PointSettings = { convertTime: (value) => (value === undefined ? undefined : String(value)) };

function line(point: Point): string {
  const text = point.toLineProtocol(AS_IS);
  if (text === undefined) throw new Error(`point of ${point.toString()} has no fields`);
  return text;
}

/** A float field value as the client's `Point.floatField` writes it. */
function floatValue(name: string, value: number): string {
  if (!Number.isFinite(value)) throw new Error(`invalid float value for field '${name}': ${value}`);
  return String(value);
}

/** An integer field value as the client's `Point.intField` writes it (floored, range-checked). */
function intValue(name: string, value: number): string {
  if (Number.isNaN(value) || value <= -9223372036854776e3 || value >= 9223372036854776e3) {
    throw new Error(`invalid integer value for field '${name}': '${value}'!`);
  }
  return `${Math.floor(value)}i`;
}

/**
 * The line (precision ms) of a raw reading: identity station+metric+ts is the series key plus the
 * timestamp, so a rewrite overwrites. `period_capped_ms` is what the reading adds to its hour's
 * validPeriodMs (the part of periodMs inside its hour, inHourPeriodMs) — InfluxQL cannot compute that
 * per point inside sum().
 * Built directly rather than through the client's `Point` (which writes the same text: tags and
 * fields sorted by key, empty tags left out; escaped with the client's own `escape`), as this runs
 * for every stored reading; the tests compare both.
 *
 * @example
 * readingLine(r); // 'readings,metric=pm25,station=ST-A flag="N",period_capped_ms=0i,period_ms=0i,received_at=…i,source="mqtt-json",value=12 1772323200000'
 */
export function readingLine(r: Reading): string {
  const metric = (r.metric as string) === "" ? "" : `,metric=${lineEscape.tag(r.metric)}`;
  const station = r.stationId === "" ? "" : `,station=${lineEscape.tag(r.stationId)}`;
  // Like Point.stringField, a missing source (not checked by checkStorable) leaves the field out.
  const source =
    r.source === undefined || r.source === null ? "" : `,source=${lineEscape.quoted(String(r.source))}`;
  return (
    `${MEASUREMENT.readings}${metric}${station} ` +
    `flag=${lineEscape.quoted(r.flag)},period_capped_ms=${intValue("period_capped_ms", inHourPeriodMs(r.ts, r.periodMs))},` +
    `period_ms=${intValue("period_ms", r.periodMs)},received_at=${intValue("received_at", r.receivedAt)}` +
    `${source},value=${floatValue("value", r.value)}${weightedValueField(r)} ${r.ts}`
  );
}

/**
 * `,weighted_value=…`: the value times its sampling time in the hour (`period_capped_ms`), summed
 * for the hour's duration-weighted mean; left out when the product is not a finite double (then
 * the hour takes the arithmetic mean, as for points written before the field existed).
 */
function weightedValueField(r: Reading): string {
  const weighted = r.value * inHourPeriodMs(r.ts, r.periodMs);
  return Number.isFinite(weighted) ? `,weighted_value=${floatValue("weighted_value", weighted)}` : "";
}

/**
 * The hour's mean from its valid readings' aggregates: duration-weighted (Σ value·time / Σ time)
 * when every valid reading sampled for a time in the hour, these times differ, and every point has
 * `weighted_value`; otherwise the arithmetic mean (equal times — aligned hourly or 5-minute data —
 * or an instantaneous reading among them). The same rule as the DuckDB adapter (schema.ts HOUR_MEAN_SQL).
 */
export function hourMean(a: {
  readonly mean: number;
  readonly count: number;
  readonly periodSum: number;
  readonly weightedSum: number | null;
  readonly weightedCount: number;
  readonly minWeight: number;
  readonly maxWeight: number;
}): number {
  const weighted =
    a.minWeight > 0 && a.minWeight < a.maxWeight && a.weightedCount === a.count && a.weightedSum !== null;
  return weighted ? (a.weightedSum as number) / a.periodSum : a.mean;
}

/**
 * What an hourly point carries besides its aggregates so that the next readings of the hour can be
 * merged into it without reading the hour's raw readings again: the sums behind the mean, the
 * newest reading time merged, and the total count it was written with (a point whose
 * `merge_total` differs from its `total_count` was rewritten without this state, by an older
 * version, and is recomputed instead).
 */
export interface HourMergeState {
  /** Σ value of the valid readings. */
  readonly sum: number;
  /** Σ value × sampling time in the hour, over the valid readings whose product is finite. */
  readonly weightedSum: number;
  /** Valid readings counted in weightedSum. */
  readonly weightedCount: number;
  /** Smallest and largest sampling time in the hour among the valid readings (0 when none). */
  readonly minWeight: number;
  readonly maxWeight: number;
  /** A reading of the hour at or before this time may be stored already: merging it could count it twice. */
  readonly newestTs: number;
}

/**
 * The line (precision ms) of an hourly aggregate, timed at the hour's END (air-aqi.md §8), with
 * its merge state. mean/min/max are left out when no reading was valid (InfluxDB has no null);
 * readers take them as null whenever valid_count is 0, since an overwrite keeps fields the new
 * point lacks.
 */
export function hourlyLine(h: HourlyAggregate, merge: HourMergeState): string {
  const point = new Point(MEASUREMENT.hourly).tag("station", h.stationId).tag("metric", h.metric);
  if (h.validCount > 0 && h.mean !== null && h.min !== null && h.max !== null) {
    point.floatField("mean", h.mean).floatField("min", h.min).floatField("max", h.max);
  }
  return line(
    point
      .intField("valid_count", h.validCount)
      .intField("total_count", h.totalCount)
      .intField("valid_period_ms", h.validPeriodMs)
      .floatField("sum", merge.sum)
      .floatField("wsum", merge.weightedSum)
      .intField("wcount", merge.weightedCount)
      .intField("wmin", merge.minWeight)
      .intField("wmax", merge.maxWeight)
      .intField("newest_ts", merge.newestTs)
      .intField("merge_total", h.totalCount)
      .timestamp(h.hourEnd),
  );
}

/** The merge state of a stored hourly row, or undefined when it has none that can be trusted. */
export function mergeStateOf(row: Row): HourMergeState | undefined {
  const fields = [row.sum, row.wsum, row.wcount, row.wmin, row.wmax, row.newest_ts, row.merge_total];
  if (!fields.every((f) => typeof f === "number") || row.merge_total !== row.total_count) return undefined;
  return {
    sum: row.sum as number,
    weightedSum: row.wsum as number,
    weightedCount: row.wcount as number,
    minWeight: row.wmin as number,
    maxWeight: row.wmax as number,
    newestTs: row.newest_ts as number,
  };
}

/**
 * An hour with new readings merged in: `stored` (aggregate and state; undefined for an hour
 * without a point) plus `readings`, all of this hour and newer than `stored`'s newestTs. Only
 * readings whose flag is in `validFlags` enter the valid aggregates, as in a recompute.
 */
export function mergeHour(
  stored: { readonly hour: HourlyAggregate; readonly state: HourMergeState } | undefined,
  key: { readonly stationId: string; readonly metric: MetricId; readonly hourEnd: number },
  readings: readonly Reading[],
  validFlags: readonly DataFlag[],
): { hour: HourlyAggregate; state: HourMergeState } {
  const before = stored !== undefined && stored.hour.validCount > 0 ? stored : undefined;
  const sums: ValidHourSums =
    before === undefined
      ? emptyHourSums()
      : {
          validCount: before.hour.validCount,
          sum: before.state.sum,
          min: before.hour.min as number,
          max: before.hour.max as number,
          validPeriodMs: before.hour.validPeriodMs,
          weightedSum: before.state.weightedSum,
          weightedCount: before.state.weightedCount,
          minWeight: before.state.minWeight,
          maxWeight: before.state.maxWeight,
        };
  let newestTs = stored?.state.newestTs ?? Number.NEGATIVE_INFINITY;
  for (const r of readings) {
    newestTs = Math.max(newestTs, r.ts);
    if (validFlags.includes(r.flag)) addValidReading(sums, r.value, r.ts, r.periodMs, key.hourEnd);
  }
  const valid = sums.validCount > 0;
  const hour: HourlyAggregate = {
    ...key,
    mean: valid
      ? hourMean({
          mean: sums.sum / sums.validCount,
          count: sums.validCount,
          periodSum: sums.validPeriodMs,
          weightedSum: sums.weightedCount > 0 ? sums.weightedSum : null,
          weightedCount: sums.weightedCount,
          minWeight: sums.minWeight,
          maxWeight: sums.maxWeight,
        })
      : null,
    min: valid ? sums.min : null,
    max: valid ? sums.max : null,
    validCount: sums.validCount,
    totalCount: (stored?.hour.totalCount ?? 0) + readings.length,
    validPeriodMs: sums.validPeriodMs,
  };
  return {
    hour,
    state: {
      sum: valid ? sums.sum : 0,
      weightedSum: valid ? sums.weightedSum : 0,
      weightedCount: valid ? sums.weightedCount : 0,
      minWeight: valid ? sums.minWeight : 0,
      maxWeight: valid ? sums.maxWeight : 0,
      newestTs,
    },
  };
}

/** The line (precision ns) of a dead letter; time = receivedAt plus an id-derived sub-ms offset. */
export function deadLetterLine(l: DeadLetter): string {
  const point = new Point(MEASUREMENT.deadLetters);
  if (l.stationId !== undefined && l.stationId !== "") point.tag("station", l.stationId);
  return line(
    point
      .tag("code", l.code)
      .stringField("id", l.id)
      .intField("received_at", l.receivedAt)
      .stringField("source", l.source)
      .stringField("origin", l.origin)
      .stringField("path", l.path)
      .stringField("message", l.message)
      .stringField("payload", l.payload)
      .timestamp(recordTimeNs(l.receivedAt, l.id).toString()),
  );
}

/** The line (precision ns) of an alert event: the whole event as JSON plus filterable tags/fields. */
export function alertEventLine(event: AlertEvent, atMs: number): string {
  return line(
    new Point(MEASUREMENT.alertEvents)
      .tag("station", event.stationId)
      .tag("rule", event.ruleId)
      .tag("type", event.type)
      .tag("severity", event.severity)
      .stringField("id", event.id)
      .stringField("alert_id", event.alertId)
      .intField("at_ms", atMs)
      .stringField("event", JSON.stringify(event))
      .timestamp(recordTimeNs(atMs, event.id).toString()),
  );
}

/** A row of an InfluxQL result as column → value. */
export type Row = Readonly<Record<string, unknown>>;

const num = (v: unknown): number => v as number;

export function rowToReading(row: Row, stationId: string, metric: string): Reading {
  return {
    stationId,
    metric: metric as MetricId,
    ts: num(row.time),
    periodMs: num(row.period_ms),
    value: num(row.value),
    flag: row.flag as DataFlag,
    source: row.source as ReadingSource,
    receivedAt: num(row.received_at),
  };
}

export function rowToHourly(row: Row, stationId: string, metric: MetricId): HourlyAggregate {
  const validCount = num(row.valid_count);
  const valid = validCount > 0;
  return {
    stationId,
    metric,
    hourEnd: num(row.time),
    mean: valid ? (row.mean as number | null) : null,
    min: valid ? (row.min as number | null) : null,
    max: valid ? (row.max as number | null) : null,
    validCount,
    totalCount: num(row.total_count),
    validPeriodMs: num(row.valid_period_ms),
  };
}

export function rowToDeadLetter(row: Row): DeadLetter {
  const letter: DeadLetter = {
    id: row.id as string,
    receivedAt: num(row.received_at),
    source: row.source as string,
    origin: row.origin as string,
    code: row.code as RejectionCode,
    path: row.path as string,
    message: row.message as string,
    payload: row.payload as string,
  };
  const station = row.station;
  return typeof station === "string" && station !== "" ? { ...letter, stationId: station } : letter;
}
