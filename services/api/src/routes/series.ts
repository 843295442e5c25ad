import { METRICS, type MetricId, reportingIntervalOf, toBeijingIso } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { checkPeriods, loadHours, requireMetricAt, requireStation } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv, seriesResponse } from "../http/response-schemas.ts";
import { seriesQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";
import { AIR_VALIDITY, aggregate } from "../series/aggregate.ts";
import { isInProgress } from "../series/calendar.ts";
import type { AggFn, Every, PeriodValue } from "../series/types.ts";

interface SeriesQuery {
  station: string;
  metric: MetricId;
  from?: string;
  to?: string;
  every: Every;
  fn: AggFn;
  format?: "json" | "csv";
}

/**
 * The CSV columns of a period's periodJson fields, first in the rows of /series and /noi/grade.
 *
 * @example
 * const COLUMNS = [...PERIOD_COLUMNS, "grade", "in_progress"] as const;
 */
export const PERIOD_COLUMNS = [
  "label",
  "start",
  "end",
  "value",
  "valid",
  "reason",
  "validCount",
  "totalCount",
] as const;

const COLUMNS = [...PERIOD_COLUMNS, "rule", "provisional", "in_progress"] as const;

/**
 * JSON view of a period: times as Beijing ISO text; `inProgress` when the period has not ended at
 * `now` (its value may still change).
 */
export function periodJson(p: PeriodValue, now: number) {
  return {
    label: p.label,
    start: toBeijingIso(p.start),
    end: toBeijingIso(p.end),
    inProgress: isInProgress(p.end, now),
    value: p.value,
    valid: p.valid,
    ...(p.reason ? { reason: p.reason } : {}),
    ...(p.notSampled ? { notSampled: true } : {}),
    validCount: p.validCount,
    totalCount: p.totalCount,
    rule: p.rule,
    provisional: p.provisional,
  };
}

/** GET /series: a metric aggregated over Beijing calendar periods with validity per period. */
export function seriesRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: SeriesQuery }>(
    "/series",
    {
      schema: {
        summary: "Aggregated series with validity",
        description:
          "Valid hourly means (≥ 45 min of sampling: GB 3095 Table 4 for SO2, NO2, CO, O3; the same minimum as a local rule for PM and other metrics) aggregated per Beijing hour/day/month. A period without enough valid data has valid=false, a reason and a null value (daily ≥ 20 valid hours: GB 3095 Table 4 for SO2, NO2, CO, PM10, PM2.5, a local rule for O3 — whose daily statistic is the daily maximum 8-h mean, HJ 663 §6.1.2 — and other metrics; monthly ≥ 27 valid days, 25 in February: HJ 663, provisional, for the same five, a local rule for the others). A metric measured less often than hourly (station registry metricReportingIntervalMs, e.g. CODMn, NH3-N, TP every 4 h at a water station) needs the same share of its samples in a day, rounded up (4 h: 5 of 6, totalCount 6) — a local rule by analogy with the 20 of 24 hourly means, never applied to the pollutants GB 3095 Table 4's 24-h row lists; its hours without a reading have notSampled=true (no value was expected), unlike missing data. Each period's rule names its source for the metric. A period that has not ended at request time (end > now) has inProgress=true (CSV: in_progress) and may still change; completed periods have inProgress=false.",
        tags: ["series"],
        querystring: seriesQuery,
        response: {
          200: jsonOrCsv("One value per calendar period, with its validity", seriesResponse, COLUMNS),
          400: errorResponseSchema,
          404: errorResponseSchema,
        },
      },
    },
    async function getSeries(request, reply) {
      const q = request.query;
      const station = requireStation(ctx, q.station);
      requireMetricAt(station, q.metric);
      const now = ctx.now();
      const { from, to } = timeRange(q, now, 86_400_000);
      checkPeriods(ctx, from, to, q.every);
      const hours = await loadHours(ctx, station, q.metric, from, to, q.every);
      const interval = reportingIntervalOf(station, q.metric);
      const rows = aggregate(hours, from, to, q.every, q.fn, AIR_VALIDITY, q.metric, interval).map((p) =>
        periodJson(p, now),
      );
      return respond(
        request,
        reply,
        {
          station: station.id,
          metric: q.metric,
          unit: q.fn === "count" ? "count" : METRICS[q.metric].unit,
          every: q.every,
          fn: q.fn,
          from: toBeijingIso(from),
          to: toBeijingIso(to),
          periods: rows,
        },
        {
          filename: `series-${station.id}-${q.metric}-${q.every}.csv`,
          columns: COLUMNS,
          rows: rows.map((r) => ({ ...r, in_progress: r.inProgress })),
        },
      );
    },
  );
}
