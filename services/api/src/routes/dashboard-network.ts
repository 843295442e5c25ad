import {
  AIR_METRICS,
  HOUR_MS,
  hourStart,
  METRICS,
  type MetricId,
  type Reading,
  reportingIntervalOf,
  type Station,
  toBeijingIso,
  WATER_METRICS,
} from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { loadHours, metricIntervals, stationMetrics } from "../http/load.ts";
import { jsonOnly, networkResponse } from "../http/response-schemas.ts";
import { networkQuery } from "../http/schemas.ts";
import { parseTimeParam } from "../http/time-param.ts";
import { aqiSeries } from "../series/aqi.ts";
import type { AirSeries } from "../series/aqi-inputs.ts";
import { noiGrades } from "../series/noi-grade.ts";
import type { HourSeries } from "../series/types.ts";
import { waterClassOf } from "../series/water-class.ts";

/** Hours looked back for the latest hourly AQI / NOI grade. */
const RECENT_HOURS = 3;

async function airState(ctx: ApiContext, station: Station, now: number) {
  const from = now - RECENT_HOURS * HOUR_MS;
  const air: Record<string, HourSeries> = {};
  for (const metric of stationMetrics(station, AIR_METRICS)) {
    air[metric] = await loadHours(ctx, station, metric, from, now, "1h", 24);
  }
  const hours = aqiSeries(air as AirSeries, from, now, "hour", {
    pmRealtimeBasis2012: ctx.pmRealtimeBasis2012,
    concentrationRounding2026: ctx.concentrationRounding2026,
    ...(station.airArea ? { airArea: station.airArea } : {}),
  }).filter((h) => h.end <= now && h.result.aqi !== null);
  const last = hours.at(-1);
  if (!last) return null;
  return {
    type: "aqi" as const,
    label: last.label,
    aqi: last.result.aqi,
    level: last.result.level,
    category: last.result.category,
    primary: last.result.primary,
    standard: last.result.standard,
  };
}

async function waterState(ctx: ApiContext, station: Station, now: number) {
  const water = station.water ?? { waterBody: "river" as const, targetClass: "III" as const };
  const series = new Map<MetricId, HourSeries>();
  // The last 24 complete hours (hour labels are hour ends).
  const end = hourStart(now);
  const from = end - 24 * HOUR_MS;
  for (const metric of stationMetrics(station, WATER_METRICS)) {
    series.set(metric, await loadHours(ctx, station, metric, from, end, "1h"));
  }
  const period = waterClassOf(
    series,
    { start: from, end, label: "24h" },
    water,
    metricIntervals(station, series.keys()),
    ctx.water,
  );
  if (!period.assessment) return null;
  return {
    type: "water" as const,
    window: "last 24 h mean",
    class: period.assessment.class,
    targetClass: water.targetClass ?? "III",
    meetsTarget: period.assessment.meetsTarget,
    deciding: period.assessment.deciding,
  };
}

async function noiState(ctx: ApiContext, station: Station, now: number) {
  const from = now - RECENT_HOURS * HOUR_MS;
  const hours = await loadHours(ctx, station, "noi", from, now, "1h");
  const last = noiGrades(hours, from, now, "1h", ctx.noiScheme, reportingIntervalOf(station, "noi"))
    .filter((p) => p.end <= now && p.grade !== null)
    .at(-1);
  if (!last?.grade) return null;
  return { type: "noi" as const, label: last.label, value: last.value, grade: last.grade };
}

/** Spans searched back, widest last, for a metric's latest reading at or before a past `at`. */
const LOOKBACK_MS = [24 * HOUR_MS, 31 * 24 * HOUR_MS, 366 * 24 * HOUR_MS, 3660 * 24 * HOUR_MS];

/**
 * The latest reading of `metric` at or before `at` (any flag, as the store's `latest`): the newest
 * hour with readings whose label is at most the hour holding `at`, searched back in widening spans;
 * within it the last reading not after `at` (only the hour holding `at` can have later ones, so an
 * earlier hour answers). Null when none, or when retention has removed the hour's raw readings.
 */
async function latestAtOrBefore(
  ctx: ApiContext,
  stationId: string,
  metric: MetricId,
  at: number,
): Promise<Reading | null> {
  const lastLabel = hourStart(at) + HOUR_MS;
  for (const span of LOOKBACK_MS) {
    const hours = await ctx.store.queryHourly({ stationId, metric, from: lastLabel - span, to: lastLabel });
    for (let i = hours.length - 1; i >= 0; i--) {
      const hour = hours[i];
      if (!hour || hour.totalCount === 0) continue;
      const readings = await ctx.store.queryReadings({
        stationId,
        metric,
        from: hour.hourEnd - HOUR_MS,
        to: Math.min(hour.hourEnd, at + 1),
      });
      const last = readings.at(-1);
      if (last) return last;
      if (hour.hourEnd <= at) return null;
    }
  }
  return null;
}

/**
 * The latest reading per metric as at `at`: the store's latest where it is not after `at`, else
 * the latest at or before `at` — a past `at` must not lose the readings a station sent before it
 * because it sent more afterwards.
 */
async function latestAsAt(ctx: ApiContext, stationId: string, at: number): Promise<Reading[]> {
  const latest = await ctx.store.latest(stationId);
  const result: Reading[] = [];
  for (const r of latest) {
    if (r.ts <= at) {
      result.push(r);
      continue;
    }
    const earlier = await latestAtOrBefore(ctx, stationId, r.metric, at);
    if (earlier) result.push(earlier);
  }
  return result;
}

/**
 * GET /network: every station with its latest readings and current state — hourly AQI category
 * (air), class against target over the last 24 h (water), hourly NOI grade (noi) — and whether it
 * is silent (no reading for `silentAfterIntervals` reporting intervals). One request for the map.
 */
export function networkRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { at?: string } }>(
    "/network",
    {
      schema: {
        summary: "Network state (for the map)",
        description:
          "Every station with its latest reading per metric and its current state: air = latest real-time AQI (HJ 633, last 3 h), water = GB 3838 class of the last 24 h means vs the target class, noi = grade of the latest valid hourly mean. `silent` when no reading arrived for `silentAfterIntervals` (default 3) reporting intervals (at least 1 h). With `at`, all of it as at that time: each metric's latest reading at or before `at`.",
        tags: ["stations"],
        querystring: networkQuery,
        response: {
          200: jsonOnly("Every station with its latest readings and current state", networkResponse),
          400: errorResponseSchema,
        },
      },
    },
    async function getNetwork(request) {
      const now = request.query.at === undefined ? ctx.now() : parseTimeParam("at", request.query.at);
      const stations = [];
      for (const station of ctx.registry.stations) {
        const latest = await latestAsAt(ctx, station.id, now);
        const lastTs = latest.reduce((m, r) => Math.max(m, r.ts), Number.NEGATIVE_INFINITY);
        const silentAfterMs = Math.max(
          HOUR_MS,
          ctx.alerting.silentAfterIntervals * station.reportingIntervalMs,
        );
        const silent = !Number.isFinite(lastTs) || now - lastTs > silentAfterMs;
        const state =
          station.kind === "air"
            ? await airState(ctx, station, now)
            : station.kind === "water"
              ? await waterState(ctx, station, now)
              : await noiState(ctx, station, now);
        stations.push({
          id: station.id,
          name: station.name,
          kind: station.kind,
          location: station.location,
          township: station.township,
          ...(station.water ? { water: station.water } : {}),
          lastReadingAt: Number.isFinite(lastTs) ? toBeijingIso(lastTs) : null,
          silent,
          state,
          latest: latest.map((r) => ({
            metric: r.metric,
            ts: toBeijingIso(r.ts),
            value: r.value,
            unit: METRICS[r.metric].unit,
            flag: r.flag,
            periodMs: r.periodMs,
          })),
        });
      }
      return { at: toBeijingIso(now), stations };
    },
  );
}
