import type { MetricId } from "@qingshan/domain";
import type { HourlyAggregate } from "./store.ts";

/**
 * The hourly aggregates of one series as columns, index i being one hour in increasing hour order:
 * a year of hours read without an object (and boxed numbers) per hour. NaN stands for null in
 * `mean`, `min` and `max` (a stored value is always finite).
 */
export interface HourlyColumns {
  readonly stationId: string;
  readonly metric: MetricId;
  readonly length: number;
  readonly hourEnd: Float64Array;
  readonly mean: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly validCount: Float64Array;
  readonly totalCount: Float64Array;
  readonly validPeriodMs: Float64Array;
}

/** Empty columns of `length` hours, to be filled. */
export function allocateHourlyColumns(stationId: string, metric: MetricId, length: number): HourlyColumns {
  return {
    stationId,
    metric,
    length,
    hourEnd: new Float64Array(length),
    mean: new Float64Array(length),
    min: new Float64Array(length),
    max: new Float64Array(length),
    validCount: new Float64Array(length),
    totalCount: new Float64Array(length),
    validPeriodMs: new Float64Array(length),
  };
}

/**
 * The aggregates as columns (for adapters that read rows).
 *
 * @example
 * hourlyColumnsOf("ST-A", "pm25", await store.queryHourly(q)).mean[0]
 */
export function hourlyColumnsOf(
  stationId: string,
  metric: MetricId,
  aggs: readonly HourlyAggregate[],
): HourlyColumns {
  const columns = allocateHourlyColumns(stationId, metric, aggs.length);
  aggs.forEach((agg, i) => {
    columns.hourEnd[i] = agg.hourEnd;
    columns.mean[i] = agg.mean ?? Number.NaN;
    columns.min[i] = agg.min ?? Number.NaN;
    columns.max[i] = agg.max ?? Number.NaN;
    columns.validCount[i] = agg.validCount;
    columns.totalCount[i] = agg.totalCount;
    columns.validPeriodMs[i] = agg.validPeriodMs;
  });
  return columns;
}

function nullable(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** The aggregate of hour `i`. */
export function hourlyAggregateAt(columns: HourlyColumns, i: number): HourlyAggregate {
  return {
    stationId: columns.stationId,
    metric: columns.metric,
    hourEnd: columns.hourEnd[i] as number,
    mean: nullable(columns.mean[i] as number),
    min: nullable(columns.min[i] as number),
    max: nullable(columns.max[i] as number),
    validCount: columns.validCount[i] as number,
    totalCount: columns.totalCount[i] as number,
    validPeriodMs: columns.validPeriodMs[i] as number,
  };
}

/** Every hour's aggregate, in column order. */
export function hourlyAggregatesOf(columns: HourlyColumns): HourlyAggregate[] {
  const out: HourlyAggregate[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = hourlyAggregateAt(columns, i);
  return out;
}
