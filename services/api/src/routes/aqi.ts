import { AIR_METRICS, toBeijingIso } from "@qingshan/domain";
import { AQI_INDICATORS } from "@qingshan/standards";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { checkPeriods, loadHours, requireStation, stationMetrics } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import { aqiResponse, jsonOrCsv } from "../http/response-schemas.ts";
import { aqiQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";
import { type AqiPeriod, aqiSeries } from "../series/aqi.ts";
import type { AirSeries, AqiIndicator, PmRealtimeBasis } from "../series/aqi-inputs.ts";
import { isInProgress } from "../series/calendar.ts";
import type { HourSeries } from "../series/types.ts";

interface AqiQuery {
  station: string;
  from?: string;
  to?: string;
  period: "hour" | "day";
  pmBasis?: PmRealtimeBasis;
  format?: "json" | "csv";
}

const INDICATORS: readonly AqiIndicator[] = AQI_INDICATORS;

const COLUMNS = [
  "label",
  "start",
  "end",
  "standard",
  "aqi",
  "level",
  "category_zh",
  "category_en",
  "primary",
  "exceeding",
  "pmBasis",
  ...INDICATORS.map((k) => `c_${k}`),
  ...INDICATORS.map((k) => `iaqi_${k}`),
  "in_progress",
  // Why a row has no AQI: withheld under HJ 633-2026 §5.3.1, or indicators missing.
  "withheld_aqi",
  "withheld_reason",
  "missing",
];

/** The IAQI number of one indicator, whatever shape the standards package gives it. */
function iaqiNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (value && typeof value === "object") {
    const o = value as { iaqi?: unknown; value?: unknown };
    if (typeof o.iaqi === "number") return o.iaqi;
    if (typeof o.value === "number") return o.value;
  }
  return null;
}

function aqiJson(p: AqiPeriod, now: number) {
  return {
    label: p.label,
    start: toBeijingIso(p.start),
    end: toBeijingIso(p.end),
    inProgress: isInProgress(p.end, now),
    ...p.result,
    ...(p.inputs.pmBasis ? { pmBasis: p.inputs.pmBasis } : {}),
    concentrations: p.inputs.concentrations,
    indicators: p.inputs.indicators,
  };
}

function aqiRow(p: AqiPeriod, now: number): Record<string, unknown> {
  const r = p.result;
  const iaqi = (r.iaqi ?? {}) as Record<string, unknown>;
  const row: Record<string, unknown> = {
    label: p.label,
    start: toBeijingIso(p.start),
    end: toBeijingIso(p.end),
    in_progress: isInProgress(p.end, now),
    standard: r.standard,
    aqi: r.aqi,
    level: r.level,
    category_zh: r.category?.zh,
    category_en: r.category?.en,
    primary: r.primary,
    exceeding: r.exceeding,
    pmBasis: p.inputs.pmBasis,
    withheld_aqi: r.withheld?.aqi,
    withheld_reason: r.withheld?.reason,
    missing: r.missing,
  };
  for (const k of INDICATORS) {
    row[`c_${k}`] = p.inputs.concentrations[k];
    row[`iaqi_${k}`] = iaqiNumber(iaqi[k]);
  }
  return row;
}

/** GET /aqi: real-time (hourly) or daily AQI of an air station under the edition of each period. */
export function aqiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: AqiQuery }>(
    "/aqi",
    {
      schema: {
        summary: "Hourly (real-time) or daily AQI",
        description:
          "HJ 633 AQI per hour label or Beijing day; the edition (HJ633-2012 before 2026-03-01, HJ633-2026 after) is chosen by the period's Beijing date. Each result lists the concentrations used, their basis, and why missing ones are missing. HJ 633 publishes the AQI of completed hours and days: a period that has not ended at request time (end > now — the hour in progress, today) has inProgress=true (CSV: in_progress) and its AQI, level and category are computed from the data so far and not final; completed periods have inProgress=false.",
        tags: ["aqi"],
        querystring: aqiQuery,
        response: {
          200: jsonOrCsv("AQI of each hour label or Beijing day, with its inputs", aqiResponse, COLUMNS),
          400: errorResponseSchema,
          404: errorResponseSchema,
        },
      },
    },
    async function getAqi(request, reply) {
      const q = request.query;
      const station = requireStation(ctx, q.station, "air");
      const every = q.period === "hour" ? "1h" : "1d";
      const now = ctx.now();
      const { from, to } = timeRange(q, now, 86_400_000);
      checkPeriods(ctx, from, to, every);
      // The station's series are read together (each read runs on its own store connection).
      // 24 h of look-back feeds the 2012 rolling 24-h and 8-h means of the first hours.
      const metrics = stationMetrics(station, AIR_METRICS);
      const series = await Promise.all(
        metrics.map((metric) => loadHours(ctx, station, metric, from, to, every, every === "1h" ? 24 : 0)),
      );
      const air: Record<string, HourSeries> = {};
      metrics.forEach((metric, i) => {
        air[metric] = series[i] as HourSeries;
      });
      const results = aqiSeries(air as AirSeries, from, to, q.period, {
        pmRealtimeBasis2012: q.pmBasis ?? ctx.pmRealtimeBasis2012,
        ...(station.airArea ? { airArea: station.airArea } : {}),
      });
      return respond(
        request,
        reply,
        {
          station: station.id,
          period: q.period,
          from: toBeijingIso(from),
          to: toBeijingIso(to),
          results: results.map((p) => aqiJson(p, now)),
        },
        {
          filename: `aqi-${station.id}-${q.period}.csv`,
          columns: COLUMNS,
          rows: results.map((p) => aqiRow(p, now)),
        },
      );
    },
  );
}
