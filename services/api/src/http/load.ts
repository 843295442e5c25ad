import {
  DAY_MS,
  type DataFlag,
  DEFAULT_VALID_FLAGS,
  HOUR_MS,
  METRICS,
  type MetricId,
  reportingIntervalOf,
  type Station,
  type StationKind,
} from "@qingshan/domain";
import { hourEndOf, type TimeSeriesStore } from "@qingshan/store";
import type { ApiContext } from "../deps.ts";
import { periodCount, periodEnd, periodStart } from "../series/calendar.ts";
import { hourSeries, hoursToRecount } from "../series/hourly-validity.ts";
import type { Every, HourSeries } from "../series/types.ts";
import { ApiError, badParameter } from "./errors.ts";

/** The station named by a query parameter, or a 404 naming it; optionally of a given kind. */
export function requireStation(
  ctx: ApiContext,
  id: string,
  kind?: StationKind,
  parameter = "station",
): Station {
  const station = ctx.registry.get(id);
  if (!station) {
    throw new ApiError("station.unknown", `no station "${id}" is registered`, {
      parameter,
      received: id,
      expected: "a station id from GET /api/v1/stations",
    });
  }
  if (kind && station.kind !== kind) {
    throw badParameter(parameter, id, `a station of kind "${kind}" (this one is "${station.kind}")`);
  }
  return station;
}

/** Refuses a metric the station cannot report. */
export function requireMetricAt(station: Station, metric: MetricId): void {
  const ok = station.metrics
    ? station.metrics.includes(metric)
    : METRICS[metric].kinds.includes(station.kind);
  if (!ok) throw badParameter("metric", metric, `a metric reported by ${station.kind} station ${station.id}`);
}

/** Refuses a range holding more periods than allowed. */
export function checkPeriods(ctx: ApiContext, from: number, to: number, every: Every): void {
  const n = periodCount(from, to, every);
  if (n > ctx.maxPeriods) {
    throw new ApiError(
      "range.too_large",
      `the range holds ${n} periods of ${every}; at most ${ctx.maxPeriods} per request`,
      { parameter: "from", expected: `a range of at most ${ctx.maxPeriods} periods of ${every}` },
    );
  }
}

/**
 * The validated hourly series of one metric for the periods of step `every` covering
 * [from, to), with `lookbackHours` more hours before them (rolling windows).
 */
export async function loadHours(
  ctx: ApiContext,
  station: Station,
  metric: MetricId,
  from: number,
  to: number,
  every: Every,
  lookbackHours = 0,
): Promise<HourSeries> {
  const start = periodStart(from, every) - lookbackHours * 3_600_000;
  const end = periodEnd(periodStart(to - 1, every), every);
  const hours = await ctx.store.queryHourlyColumns({ stationId: station.id, metric, from: start, to: end });
  const counts = await instantaneousCounts(ctx, station.id, metric, hoursToRecount(hours));
  return hourSeries(hours, reportingIntervalOf(station, metric), counts);
}

/**
 * The number of valid instantaneous readings (no averaging period, flag among the store's valid
 * flags) in each hour of `hourEnds` (labels, ascending), counted from the raw readings: the hourly
 * aggregate does not tell them apart from averaged ones. Hours close together are read in one
 * query. An hour whose raw readings retention has removed counts none (credited with its averaged
 * time only, as before).
 */
async function instantaneousCounts(
  ctx: ApiContext,
  stationId: string,
  metric: MetricId,
  hourEnds: readonly number[],
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (hourEnds.length === 0) return counts;
  const wanted = new Set(hourEnds);
  for (const { from, to } of readSpans(hourEnds)) {
    for (const r of await ctx.store.queryReadings({ stationId, metric, from, to })) {
      if (r.periodMs !== 0 || !ctx.validFlags.includes(r.flag)) continue;
      const label = hourEndOf(r.ts);
      if (wanted.has(label)) counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  }
  return counts;
}

/** [from, to) ranges covering the hours labelled `hourEnds` (ascending): gaps ≤ 6 h merged, ≤ 1 day each. */
function readSpans(hourEnds: readonly number[]): Array<{ from: number; to: number }> {
  const spans: Array<{ from: number; to: number }> = [];
  for (const hourEnd of hourEnds) {
    const last = spans[spans.length - 1];
    if (last && hourEnd - HOUR_MS - last.to <= 6 * HOUR_MS && hourEnd - last.from <= DAY_MS)
      last.to = hourEnd;
    else spans.push({ from: hourEnd - HOUR_MS, to: hourEnd });
  }
  return spans;
}

/**
 * The flags the store's hourly aggregates count as valid: its `settings.validFlags` (both shipped
 * adapters have them), else the default (N).
 */
export function storeValidFlags(store: TimeSeriesStore): readonly DataFlag[] {
  const settings = (store as { settings?: { validFlags?: readonly DataFlag[] } }).settings;
  return settings?.validFlags ?? DEFAULT_VALID_FLAGS;
}

/** Each metric's interval between readings at `station` (registry: reportingIntervalOf). */
export function metricIntervals(
  station: Station,
  metrics: Iterable<MetricId>,
): Partial<Record<MetricId, number>> {
  const out: Partial<Record<MetricId, number>> = {};
  for (const metric of metrics) out[metric] = reportingIntervalOf(station, metric);
  return out;
}

/** Metrics of a station (declared, or every metric of its kind). */
export function stationMetrics(station: Station, candidates: readonly MetricId[]): MetricId[] {
  return candidates.filter((m) =>
    station.metrics ? station.metrics.includes(m) : METRICS[m].kinds.includes(station.kind),
  );
}
