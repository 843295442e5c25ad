import { METRICS, type MetricId, toBeijingIso, WATER_METRICS } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { checkPeriods, loadHours, metricIntervals, requireStation, stationMetrics } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv, waterClassResponse } from "../http/response-schemas.ts";
import { waterQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";
import { isInProgress } from "../series/calendar.ts";
import type { Every, HourSeries } from "../series/types.ts";
import { phAveragingLabel, type WaterPeriod, waterClasses } from "../series/water-class.ts";

interface WaterQuery {
  station: string;
  from?: string;
  to?: string;
  period: Every;
  format?: "json" | "csv";
}

const COLUMNS = [
  "label",
  "start",
  "end",
  "valid",
  "reason",
  "class",
  "targetClass",
  "meetsTarget",
  "status",
  "deciding",
  "mainPollutants",
  "means",
  "invalidParameters",
  "in_progress",
  "phAveraging",
  "phAveragingProvisional",
] as const;

function waterJson(p: WaterPeriod, targetClass: string, now: number) {
  return {
    label: p.label,
    start: toBeijingIso(p.start),
    end: toBeijingIso(p.end),
    inProgress: isInProgress(p.end, now),
    valid: p.valid,
    ...(p.reason ? { reason: p.reason } : {}),
    means: p.means,
    counts: p.counts,
    invalidParameters: p.invalidParameters,
    ...(p.assessment ? p.assessment : { class: null, targetClass, meetsTarget: null }),
  };
}

/** GET /water/class: GB 3838 class of a water section per period, from period means. */
export function waterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: WaterQuery }>(
    "/water/class",
    {
      schema: {
        summary: "Water-section class per period",
        // water-gb3838.md §5: stations measure a subset of the assessed parameters.
        description:
          "GB 3838-2002 single-factor class of a section per hour/day/month from the period mean of each measured parameter, valid under the same minimums as GET /series (an hour ≥ 45 min of sampling; a day ≥ 20 valid hourly means, or for a parameter measured less often than hourly — station registry metricReportingIntervalMs, e.g. CODMn, NH3-N, TP every 4 h — the same share of its samples, 5 of 6 every 4 h, a local rule by analogy; a month ≥ 27 valid daily means, 25 in February; `counts` = the valid items behind each mean, as /series validCount). A parameter without a valid period value is not assessed: it is left out of `means` and listed in `invalidParameters` with its reason. The class is the worst of the assessed items (环办〔2011〕22号), so a period is valid (class not null) only when every class-deciding parameter the station measures has a valid period value; otherwise valid=false, class null and a reason naming them (reference items — water temperature, total nitrogen — and unclassed ones such as conductivity never make a period invalid). Lists the deciding parameters and whether the target class is met. A class from automatic-station data covers only the measured parameters; the official section class assesses all items of the assessment method (环办〔2011〕22号: the GB 3838-2002 Table 1 items other than water temperature, total nitrogen and faecal coliforms). A period that has not ended at request time (end > now) has inProgress=true (CSV: in_progress): its means and class are computed from the data so far and not final (a day in progress is valid only once it already has the minimum data); completed periods have inProgress=false. An invalid period has meetsTarget null. pH's day and month means are taken through the hydrogen-ion concentration by default, −log10 of the mean of 10^−pH (环办监测函〔2020〕82号, provisional; a day of hourly pH 5.5 and 9.4 in turn is pH 5.80, 劣V, not the arithmetic 7.45), or arithmetically as set: `phAveraging` names the method in force, its rule and provisional=true (CSV: phAveraging, phAveragingProvisional on every row). Its pH mean therefore differs from the arithmetic /series mean of the same period; an hour's pH is the mean of its readings either way.",
        tags: ["water"],
        querystring: waterQuery,
        response: {
          200: jsonOrCsv("GB 3838 class of each period, with its means", waterClassResponse, COLUMNS),
          400: errorResponseSchema,
          404: errorResponseSchema,
        },
      },
    },
    async function getWaterClass(request, reply) {
      const q = request.query;
      const station = requireStation(ctx, q.station, "water");
      const now = ctx.now();
      const { from, to } = timeRange(q, now, 7 * 86_400_000);
      checkPeriods(ctx, from, to, q.period);
      const series = new Map<MetricId, HourSeries>();
      for (const metric of stationMetrics(station, WATER_METRICS)) {
        series.set(metric, await loadHours(ctx, station, metric, from, to, q.period));
      }
      const water = station.water ?? { waterBody: "river" as const, targetClass: "III" as const };
      const results = waterClasses(
        series,
        from,
        to,
        q.period,
        water,
        metricIntervals(station, series.keys()),
        ctx.water,
      );
      const rows = results.map((p) => waterJson(p, water.targetClass, now));
      const phAveraging = phAveragingLabel(ctx.water.phAveraging);
      return respond(
        request,
        reply,
        {
          station: station.id,
          waterBody: water.waterBody,
          targetClass: water.targetClass,
          period: q.period,
          from: toBeijingIso(from),
          to: toBeijingIso(to),
          units: Object.fromEntries([...series.keys()].map((m) => [m, METRICS[m].unit])),
          phAveraging,
          results: rows,
        },
        {
          filename: `water-class-${station.id}-${q.period}.csv`,
          columns: COLUMNS,
          rows: rows.map((r) => ({
            ...r,
            in_progress: r.inProgress,
            phAveraging: phAveraging.method,
            phAveragingProvisional: phAveraging.provisional,
          })),
        },
      );
    },
  );
}
