import {
  METRICS,
  type MetricId,
  reportingIntervalOf,
  type Station,
  type StationKind,
} from "@qingshan/domain";
import { countValidInstantaneous } from "@qingshan/store";
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
  const counts = await countValidInstantaneous(
    ctx.store,
    station.id,
    metric,
    hoursToRecount(hours),
    ctx.validFlags,
  );
  return hourSeries(hours, reportingIntervalOf(station, metric), counts);
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
