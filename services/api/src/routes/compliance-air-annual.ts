import { beijingDate, DAY_MS, type MetricId, type Station, toBeijingIso } from "@qingshan/domain";
import {
  type AnnualAssessment,
  type AnnualDailyValue,
  assessAnnualAir,
  gb3095Limit,
  HJ663_ANNUAL_STATISTICS,
  HJ663_PERCENTILE_METHOD,
  type Pollutant,
} from "@qingshan/standards";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { loadHours, stationMetrics } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv, object } from "../http/response-schemas.ts";
import { complianceYearQuery } from "../http/schemas.ts";
import { AIR_VALIDITY, aggregate } from "../series/aggregate.ts";
import { dailyMaxO3_8h } from "../series/aqi-inputs.ts";
import { isInProgress } from "../series/calendar.ts";
import { districtDailyValues, exactDailyMean } from "../series/exact-daily-mean.ts";

interface YearQuery {
  year?: number;
  format?: "json" | "csv";
}

/** The `year` asked for, checked: the current Beijing year by default, a later one a 400. */
type RequestedYear = (year: number | undefined, now: number) => number;
/** The Beijing year [start, end), the end `to` of its completed days and their count. */
type YearSpan = (
  year: number,
  now: number,
) => { start: number; end: number; to: number; daysInYear: number; elapsedDays: number };

/** Pollutants whose statistics are built from 24-h means (O3 from its daily maximum 8-h means). */
const DAILY_MEAN_METRICS: readonly (MetricId & Pollutant)[] = ["so2", "no2", "pm10", "pm25", "co"];

export const AIR_ANNUAL_COLUMNS = [
  "stationId",
  "name_zh",
  "name_en",
  "grade",
  "status",
  "statistic",
  "pollutant",
  "percentile",
  "value",
  "unit",
  "validDays",
  "invalidDays",
  "k",
  "limit",
  "limitSource",
  "sufficientData",
  "exceedsLimit",
  "validityReason",
  "validityProvisional",
  "in_progress",
] as const;

const str = { type: "string" } as const;
const int = { type: "integer" } as const;
const num = { type: "number" } as const;
const bool = { type: "boolean" } as const;
const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const arrayOf = (items: Record<string, unknown>) => ({ type: "array", items });

const statisticSchema = object(
  {
    id: { type: "string", enum: HJ663_ANNUAL_STATISTICS.map((s) => s.id) },
    pollutant: str,
    name: str,
    percentile: nullable({ ...int, description: "98, 95 or 90; null for an annual mean" }),
    value: nullable({
      ...num,
      description:
        "Unrounded (no HJ 663 rounding rule for assessed statistics was found); null without a valid day",
    }),
    unit: str,
    validDays: { ...int, description: "Valid daily values used (n)" },
    invalidDays: { ...int, description: "Days of the year to date without a valid daily value, left out" },
    position: nullable(
      object(
        {
          k: { ...num, description: "HJ 663-2013 Appendix A ordinal k = 1 + (n − 1) × p%" },
          s: { ...int, description: "Integer part of k" },
        },
        ["k", "s"],
      ),
    ),
    limit: nullable(object({ value: num, averaging: str, source: str }, ["value", "averaging", "source"])),
    sufficientData: bool,
    validity: object({ rule: str, reason: str, provisional: bool }, ["rule", "reason", "provisional"]),
    exceedsLimit: nullable({
      ...bool,
      description:
        "value > limit, compared exactly; null without sufficient data (such data must not be used)",
    }),
  },
  ["id", "pollutant", "value", "validDays", "sufficientData", "exceedsLimit"],
);

const assessmentRow = object(
  {
    stationId: str,
    name: object({ zh: str, en: str }, ["zh", "en"]),
    grade: { type: "string", enum: ["I", "II"] },
    status: {
      type: "string",
      enum: ["met", "not_met", "insufficient_data", "in_progress"],
      description:
        "met: all ten statistics have sufficient data and none exceeds its limit; not_met: one with sufficient data exceeds; insufficient_data otherwise (e.g. a pollutant not measured); in_progress while the year runs (no verdict)",
    },
    exceeding: arrayOf(str),
    statistics: arrayOf(statisticSchema),
  },
  ["stationId", "status", "statistics"],
);

const airAnnualResponse = object(
  {
    year: int,
    from: str,
    to: { ...str, description: "End of the last completed Beijing day counted" },
    inProgress: {
      ...bool,
      description: "The year has not ended at request time: statistics to date, no verdict",
    },
    elapsedDays: int,
    daysInYear: int,
    method: object({
      formula: str,
      source: str,
      readFrom: str,
      rounding: str,
      dailyValues: str,
      district: str,
    }),
    district: assessmentRow,
    stations: arrayOf(assessmentRow),
  },
  ["year", "inProgress", "district", "stations"],
);

/**
 * GET /compliance/air-annual: the HJ 663 annual assessment (年评价) of every air station and the
 * district — annual means, 98th/95th/90th percentiles against the GB 3095 limits.
 */
export function airAnnualRoute(
  app: FastifyInstance,
  ctx: ApiContext,
  calendar: { requestedYear: RequestedYear; yearSpan: YearSpan },
): void {
  app.get<{ Querystring: YearQuery }>(
    "/compliance/air-annual",
    {
      schema: {
        summary: "Annual air-quality assessment (HJ 663): annual means and percentiles against GB 3095",
        description:
          "Per air station and district-wide, over the completed Beijing days of the calendar year (today is left out until it has ended): annual means of SO2, NO2, PM10, PM2.5; the 98th percentile of the daily means of SO2 and NO2; the 95th percentile of the daily means of PM10, PM2.5 and CO; the 90th percentile of the O3 daily maximum 8-h means — each against its GB 3095 limit (Grade II; Grade I at a station in a class 1 area; the edition of the last completed day, as /compliance/pm25), with the count of valid days used. A daily mean is valid with ≥ 20 valid hourly means (GB 3095 Table 4, the /series code), kept exact; the O3 daily maximum 8-h mean takes the windows labelled 08:00…24:00 and is valid with ≥ 14 of 17 valid windows or above the limit (HJ 663 §6.1.2, the /aqi code). Percentiles by HJ 663-2013 Appendix A: k = 1 + (n − 1) × p%, m_p = X(s) + (X(s+1) − X(s)) × (k − s), s the integer part of k — as a secondary source gives it (method.readFrom), to be confirmed against the standard's text. Values are unrounded: no HJ 663 rounding rule for assessed statistics was found. sufficientData: GB 3095 Table 4's annual minimum (≥ 324 valid days, ≥ 27 in every month, 25 in February) — for the percentiles applied by analogy (validity.provisional true). exceedsLimit is null without sufficient data. District: for each day and pollutant, the mean of that day's valid station daily values (a day counts with ≥ 1 valid station; provisional: HJ 663's minimum number of stations is not applied). While the year has not ended, inProgress=true and status in_progress (no verdict). CSV: one row per station and statistic, the district's rows last.",
        tags: ["compliance"],
        querystring: complianceYearQuery,
        response: {
          200: jsonOrCsv(
            "HJ 663 annual statistics per air station and district-wide",
            airAnnualResponse,
            AIR_ANNUAL_COLUMNS,
            "One row per station (district last) and statistic",
          ),
          400: errorResponseSchema,
        },
      },
    },
    async function airAnnual(request, reply) {
      const now = ctx.now();
      const year = calendar.requestedYear(request.query.year, now);
      const span = calendar.yearSpan(year, now);
      const inProgress = isInProgress(span.end, now);
      // The GB 3095 edition of the last completed day (as /compliance/pm25).
      const limitDate = beijingDate(Math.max(span.start, span.to - 1));
      const stationDaily: { station: Station; daily: Partial<Record<Pollutant, AnnualDailyValue[]>> }[] = [];
      for (const station of ctx.registry.stations.filter((s) => s.kind === "air")) {
        stationDaily.push({ station, daily: await dailyValues(ctx, station, span.start, span.to) });
      }
      const assess = (daily: Partial<Record<Pollutant, AnnualDailyValue[]>>, grade: "I" | "II") =>
        assessAnnualAir({ year, daily, grade, limitDate, yearEnded: !inProgress });
      const stations = stationDaily.map(({ station, daily }) => ({
        stationId: station.id,
        name: station.name,
        ...assess(daily, station.airArea === "class1" ? "I" : "II"),
      }));
      const district = {
        stationId: "district",
        name: { zh: "全区", en: "District" },
        ...assess(districtDaily(stationDaily.map((s) => s.daily)), "II"),
      };
      const rows = [...stations, district].flatMap((a) => csvRows(a, inProgress));
      return respond(
        request,
        reply,
        {
          year,
          from: toBeijingIso(span.start),
          to: toBeijingIso(span.to),
          inProgress,
          elapsedDays: span.elapsedDays,
          daysInYear: span.daysInYear,
          method: {
            ...HJ663_PERCENTILE_METHOD,
            dailyValues:
              "24-h mean of a completed Beijing day, valid with ≥ 20 valid hourly means (GB 3095 Table 4); O3 daily maximum 8-h mean over the windows labelled 08:00…24:00, valid with ≥ 14 of 17 valid windows or above the limit (HJ 663 §6.1.2)",
            district:
              "per day and pollutant, the mean of that day's valid station daily values (a day counts with ≥ 1 valid station; provisional: HJ 663's minimum number of stations is not applied)",
          },
          district,
          stations,
        },
        { filename: `compliance-air-annual-${year}.csv`, columns: AIR_ANNUAL_COLUMNS, rows },
      );
    },
  );
}

/**
 * One station's daily values of [start, to) (completed Beijing days): valid 24-h means (exact, the
 * /compliance/pm25 code) and O3 daily maximum 8-h means, null on an invalid day; a pollutant the
 * station does not measure is left out.
 */
async function dailyValues(
  ctx: ApiContext,
  station: Station,
  start: number,
  to: number,
): Promise<Partial<Record<Pollutant, AnnualDailyValue[]>>> {
  const daily: Partial<Record<Pollutant, AnnualDailyValue[]>> = {};
  if (to <= start) return daily;
  for (const metric of stationMetrics(station, DAILY_MEAN_METRICS)) {
    const hours = await loadHours(ctx, station, metric, start, to, "1d");
    daily[metric as Pollutant] = aggregate(hours, start, to, "1d", "mean", AIR_VALIDITY, metric).map(
      (day) => ({
        date: day.label,
        value: day.valid && day.value !== null ? exactDailyMean(hours, day) : null,
      }),
    );
  }
  if (stationMetrics(station, ["o3"]).length > 0) {
    const hours = await loadHours(ctx, station, "o3", start, to, "1d");
    const grade = station.airArea === "class1" ? "I" : "II";
    const o3: AnnualDailyValue[] = [];
    for (let day = start; day < to; day += DAY_MS) {
      const date = beijingDate(day);
      const limit = gb3095Limit(date, grade, "o3", "dailyMax8h")?.value ?? Number.POSITIVE_INFINITY;
      o3.push({ date, value: dailyMaxO3_8h(hours, day, limit).value });
    }
    daily.o3 = o3;
  }
  return daily;
}

/**
 * District daily values: for each pollutant and day, the exact mean of the stations' valid values
 * (null when none is valid); a pollutant no station measures is left out.
 */
function districtDaily(
  stations: readonly Partial<Record<Pollutant, AnnualDailyValue[]>>[],
): Partial<Record<Pollutant, AnnualDailyValue[]>> {
  const out: Partial<Record<Pollutant, AnnualDailyValue[]>> = {};
  for (const pollutant of ["so2", "no2", "pm10", "pm25", "co", "o3"] as const) {
    const perStation = stations.flatMap((daily) => {
      const days = daily[pollutant];
      return days === undefined ? [] : [days];
    });
    if (perStation.length > 0) out[pollutant] = districtDailyValues(perStation, `${pollutant} daily value`);
  }
  return out;
}

function csvRows(
  a: AnnualAssessment & { stationId: string; name: { zh: string; en: string } },
  inProgress: boolean,
): Record<string, unknown>[] {
  return a.statistics.map((s) => ({
    stationId: a.stationId,
    name_zh: a.name.zh,
    name_en: a.name.en,
    grade: a.grade,
    status: a.status,
    statistic: s.id,
    pollutant: s.pollutant,
    percentile: s.percentile,
    value: s.value,
    unit: s.unit,
    validDays: s.validDays,
    invalidDays: s.invalidDays,
    k: s.position?.k,
    limit: s.limit?.value,
    limitSource: s.limit?.source,
    sufficientData: s.sufficientData,
    exceedsLimit: s.exceedsLimit,
    validityReason: s.validity.reason,
    validityProvisional: s.validity.provisional,
    in_progress: inProgress,
  }));
}
