import {
  AIR_METRICS,
  HOUR_MS,
  hourStart,
  METRICS,
  type MetricId,
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
          "Every station with its latest reading per metric and its current state: air = latest real-time AQI (HJ 633, last 3 h), water = GB 3838 class of the last 24 h means vs the target class, noi = grade of the latest valid hourly mean. `silent` when no reading arrived for `silentAfterIntervals` (default 3) reporting intervals (at least 1 h).",
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
        const latest = (await ctx.store.latest(station.id)).filter((r) => r.ts <= now);
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
