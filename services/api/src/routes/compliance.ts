import {
  AIR_METRICS,
  beijingDate,
  beijingDayStart,
  beijingMidnight,
  beijingMonthStart,
  beijingYearStart,
  DAY_MS,
  type MetricId,
  type Station,
  toBeijingIso,
  WATER_METRICS,
} from "@qingshan/domain";
import {
  AQI_CATEGORIES,
  annualMeanShortfall,
  annualTargetVerdict,
  assessAnnualTarget,
  type ExactNumber,
  exactSum,
  gb3095Limit,
  LIANDU_PM25_ANNUAL_TARGET,
} from "@qingshan/standards";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { type ApiError, badParameter, errorResponseSchema } from "../http/errors.ts";
import { loadHours, metricIntervals, stationMetrics } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import {
  aqiDaysResponse,
  jsonOrCsv,
  pm25ComplianceResponse,
  waterComplianceResponse,
} from "../http/response-schemas.ts";
import { complianceYearQuery, MIN_YEAR, waterComplianceQuery } from "../http/schemas.ts";
import { parseTimeParam } from "../http/time-param.ts";
import { AIR_VALIDITY, aggregate } from "../series/aggregate.ts";
import { aqiSeries } from "../series/aqi.ts";
import type { AirSeries } from "../series/aqi-inputs.ts";
import { isFebruary, isInProgress, periodEnd } from "../series/calendar.ts";
import { districtDailyValues, exactDailyMean } from "../series/exact-daily-mean.ts";
import { aqiEditionsIn, excellentGoodClass, excellentGoodInfo } from "../series/excellent-good.ts";
import type { HourSeries } from "../series/types.ts";
import { phAveragingLabel, waterClassToDate } from "../series/water-class.ts";
import { airAnnualRoute } from "./compliance-air-annual.ts";

interface YearQuery {
  year?: number;
  format?: "json" | "csv";
}

interface WaterComplianceQuery {
  period: "month" | "year";
  at?: string;
  format?: "json" | "csv";
}

/**
 * End of the completed Beijing days of [start, end) at `now`: today's midnight, clamped to the
 * span. A daily (24-h) mean is the mean of a completed natural day (GB 3095-2026's
 * definition, air-aqi.md §6.2); an unfinished day's mean still changes, so year- and
 * month-to-date figures stop here.
 */
export function completedDaysEnd(start: number, end: number, now: number): number {
  return Math.min(end, Math.max(start, beijingDayStart(now)));
}

/**
 * The Beijing calendar year [start, end), the end `to` of its days completed at `now`, and how many
 * days those are (`elapsedDays`: today is not one of them until it has ended).
 */
export function yearSpan(year: number, now: number) {
  const start = beijingMidnight(`${String(year).padStart(4, "0")}-01-01`);
  const end = beijingMidnight(`${String(year + 1).padStart(4, "0")}-01-01`);
  const to = completedDaysEnd(start, end, now);
  const daysInYear = Math.round((end - start) / DAY_MS);
  const elapsedDays = Math.round((to - start) / DAY_MS);
  return { start, end, to, daysInYear, elapsedDays };
}

function currentYear(now: number): number {
  return Number(beijingDate(beijingYearStart(now)).slice(0, 4));
}

/**
 * The `year` of a compliance query: the current Beijing year by default. A later year has not
 * begun: it has no completed day to assess, so it is a 400 naming `year` rather than an empty
 * answer "in progress" (with a mean required for the rest of a year that has not started).
 */
export function requestedYear(year: number | undefined, now: number): number {
  const current = currentYear(now);
  if (year === undefined) return current;
  if (year > current) {
    throw badParameter(
      "year",
      String(year),
      `a year from ${MIN_YEAR} to ${current} (the current Beijing year): ${year} has not begun`,
    );
  }
  return year;
}

const PM25_COLUMNS = [
  "stationId",
  "name_zh",
  "name_en",
  "status",
  "ytdMean",
  "unroundedYtdMean",
  "validDays",
  "elapsedDays",
  "target",
  "requiredMeanForRest",
  "sufficientData",
  "validityAttainable",
  "attainableDays",
  "shortMonths",
  "nationalLimit",
  "in_progress",
  // Appended after in_progress: the mean of the valid days when it is not a valid annual mean
  // (insufficient_data; ytdMean is then empty), and the rounding threshold of the target.
  "invalidMean",
  "roundingThreshold",
  "roundingThresholdInclusive",
  // Appended: the pro-rata projection (sufficientData is GB 3095 Table 4 on the days counted).
  "sufficientDataProRata",
] as const;

const AQI_DAY_KEYS = ["1", "2", "3", "4", "5", "6", "na"] as const;

const AQI_DAY_COLUMNS = [
  "stationId",
  "name_zh",
  "name_en",
  "days",
  ...AQI_DAY_KEYS.map((k) => `level_${k}`),
  "excellentGoodDays",
  "validAqiDays",
  "excellentGoodShare",
  // Appended: days with pollutants missing, out of the ratio (AQI ≤ 100) or in levels 3–6 as a lower bound.
  "incompleteDays",
  "incompletePollutedDays", // Appended: the year has not ended at request time (the counts and the ratio are year to date).
  "in_progress",
];

const WATER_COLUMNS = [
  "stationId",
  "name_zh",
  "name_en",
  "river",
  "drinkingWaterSource",
  "targetClass",
  "class",
  "meetsTarget",
  "deciding",
  "valid",
  "reason",
  "invalidParameters",
  "in_progress",
  // Appended after in_progress: the JSON section rows' means and counts (as JSON text) …
  "means",
  "counts",
  // … and the JSON `all` and `drinkingWater` shares: one row each after the sections (stationId "all" /
  // "drinkingWater"), empty on section rows.
  "sections",
  "assessed",
  "notAssessable",
  "meeting",
  "share",
] as const;

/**
 * The 400 for an `at` whose month or year has not begun at `now` (as a `year` after the current
 * one): nothing of it can be assessed.
 */
function periodNotBegun(at: string, period: "month" | "year", now: number): ApiError {
  const current = period === "month" ? beijingMonthStart(now) : beijingYearStart(now);
  const end = period === "month" ? periodEnd(current, "1mo") : beijingYearStart(current + 400 * DAY_MS);
  const label = period === "month" ? beijingDate(current).slice(0, 7) : beijingDate(current).slice(0, 4);
  return badParameter(
    "at",
    at,
    `a time in a ${period} that has begun: before ${toBeijingIso(end)}, the end of the current Beijing ${period} (${label})`,
  );
}

/**
 * GET /compliance/pm25, /compliance/water, /compliance/aqi-days: the plan's targets year to date;
 * GET /compliance/air-annual: the HJ 663 annual assessment (compliance-air-annual.ts).
 */
export function complianceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const airStations = () => ctx.registry.stations.filter((s) => s.kind === "air");
  airAnnualRoute(app, ctx, { requestedYear, yearSpan });

  app.get<{ Querystring: YearQuery }>(
    "/compliance/pm25",
    {
      schema: {
        summary: "PM2.5 year-to-date mean against the annual target",
        // HJ 663's station-count rule for a city day was not read (air-aqi.md §8): hence provisional.
        description:
          "Per air station and district-wide: the mean of the valid daily PM2.5 means of the completed Beijing days of the year so far (today is left out until it has ended: a daily mean is the mean of a whole natural day, and an unfinished day's mean still changes; a day is valid with ≥ 20 valid hourly means, GB 3095 Table 4; elapsedDays counts the completed days and `to` is the end of the last one) against the local target (default 32 µg/m³ by 2020, 莲都区生态文明示范创建行动实施方案, 莲政办发〔2018〕113号) with assessAnnualTarget. Exact arithmetic (GB/T 8170 rounding must act on the exact value, not a binary float): each daily mean is the exact mean of its hourly means (each hourly mean as its shortest decimal), summed and divided as fractions; ytdMean is that exact mean rounded to an integer half-even (GB/T 8170: an exact 32.5 is 32 and meets 32); unroundedYtdMean is its nearest double, for display. roundingThreshold {value, inclusive} is the largest annual mean that still rounds to ≤ the target (32.5 inclusive for 32; for an odd target, e.g. 33, 33.5 exclusive since it rounds to 34). status while the year runs: on_track / at_risk (rounded mean above 90% of the target) / exceeded (the threshold is out of reach even at zero for every remaining day, while a valid annual mean is still possible — when the pm25-annual-target rule raises its alert); once the year has ended: met / not_met, the final verdict on the valid annual mean (rounded mean ≤ target or not); no_data without a valid day; insufficient_data without a verdict. requiredMeanForRest is the mean the rest of the year (today included, all days assumed valid) must keep — ≤ it when the threshold is inclusive, below it otherwise — for the annual mean to stay within the threshold; null once the year has ended. GB 3095 Table 4 (identical in 2012 and 2026): an annual mean needs ≥ 324 valid daily means and ≥ 27 in every month (25 in February); with fewer it is invalid and must not be used (GB 3095-2012 §6.1). So a year that can no longer reach these counts — a closed year that did not reach them, or a year with too many invalid days already — gets status insufficient_data with ytdMean, unroundedYtdMean and requiredMeanForRest null and the mean of its valid days only as invalidMean (not a valid annual mean: never compare it with the target or the limit), validityAttainable=false and `validity` saying what is missing (attainableDays: valid days plus the days not yet counted, against requiredDays 324; shortMonths: the months that cannot reach their minimum; months: each month's valid days, minimum and attainable days); invalidMean is null on every other row. sufficientData says whether the valid days counted meet GB 3095 Table 4's annual minimum (≥ 324 and ≥ 27 in every month, 25 in February) — the test of /compliance/air-annual's sufficientData, so for a closed year both say whether the annual mean is valid (here then equal to validityAttainable); while the year runs it stays false until the days so far reach those counts. sufficientDataProRata is the projection: valid days so far ≥ ⌈elapsedDays · 324/365⌉ (the day count only; the rule raises no at-risk warning without it). District-wide = the mean over stations of each day's valid station daily means (the usual city practice; provisional: a day with at least one valid station counts, HJ 663's minimum number of stations for a city day is not applied). The GB 3095 annual limit for the stations' grade is given beside the local target. While the year has not ended at request time, inProgress=true (CSV: in_progress on every row): the figures are year to date, not the year's. CSV: after in_progress, invalidMean, roundingThreshold, roundingThresholdInclusive and sufficientDataProRata.",
        tags: ["compliance"],
        querystring: complianceYearQuery,
        response: {
          200: jsonOrCsv(
            "PM2.5 year to date per station and district-wide (the district row last in CSV)",
            pm25ComplianceResponse,
            PM25_COLUMNS,
          ),
          400: errorResponseSchema,
        },
      },
    },
    async function pm25Compliance(request, reply) {
      const now = ctx.now();
      const year = requestedYear(request.query.year, now);
      const span = yearSpan(year, now);
      const target = ctx.alerting.pm25AnnualTarget;
      const limitDate = beijingDate(Math.max(span.start, span.to - 1));
      // Daily means kept exact (the exact mean of each valid day's hourly means), summed exactly:
      // a float sum moves an exact 32.5 to 32.50000000000004, rounded 33 (air-aqi.md §2).
      const stationDays: { date: string; value: ExactNumber }[][] = [];
      const stations = [];
      for (const station of airStations()) {
        const dailyMeans: ExactNumber[] = [];
        const days: { date: string; value: ExactNumber }[] = [];
        const monthCounts = Array.from({ length: 12 }, () => 0);
        if (span.to > span.start && stationMetrics(station, ["pm25"]).length > 0) {
          const hours = await loadHours(ctx, station, "pm25", span.start, span.to, "1d");
          for (const day of aggregate(hours, span.start, span.to, "1d", "mean", AIR_VALIDITY, "pm25")) {
            if (!day.valid || day.value === null) continue;
            const exact = exactDailyMean(hours, day);
            if (exact === null) continue;
            dailyMeans.push(exact);
            const m = monthIndex(day.label);
            monthCounts[m] = (monthCounts[m] ?? 0) + 1;
            days.push({ date: day.label, value: exact });
          }
        }
        stationDays.push(days);
        const validDays = dailyMeans.length;
        const assessment = annualAssessment({
          sumOfDailyMeans: exactSum(dailyMeans),
          validDays,
          elapsedDays: span.elapsedDays,
          daysInYear: span.daysInYear,
          target,
          monthCounts,
        });
        const grade = station.airArea === "class1" ? "I" : "II";
        const limit = gb3095Limit(limitDate, grade, "pm25", "annual");
        stations.push({
          stationId: station.id,
          name: station.name,
          ...assessment,
          elapsedDays: span.elapsedDays,
          nationalLimit: limit ? { value: limit.value, source: limit.source } : null,
        });
      }
      const districtDays: ExactNumber[] = [];
      const districtMonths = Array.from({ length: 12 }, () => 0);
      for (const { date, value } of districtDailyValues(stationDays, "PM2.5 daily mean")) {
        districtDays.push(value as ExactNumber);
        const m = monthIndex(date);
        districtMonths[m] = (districtMonths[m] ?? 0) + 1;
      }
      const districtLimit = gb3095Limit(limitDate, "II", "pm25", "annual");
      const district = {
        stationId: "district",
        name: { zh: "全区", en: "District" },
        ...annualAssessment({
          sumOfDailyMeans: exactSum(districtDays),
          validDays: districtDays.length,
          elapsedDays: span.elapsedDays,
          daysInYear: span.daysInYear,
          target,
          monthCounts: districtMonths,
        }),
        elapsedDays: span.elapsedDays,
        nationalLimit: districtLimit ? { value: districtLimit.value, source: districtLimit.source } : null,
        method:
          "mean over the year's days of the mean of that day's valid station daily means (a day counts with ≥ 1 valid station)",
      };
      const inProgress = isInProgress(span.end, now);
      const rows = [...stations, district].map((s) => ({
        ...s,
        name_zh: s.name.zh,
        name_en: s.name.en,
        nationalLimit: s.nationalLimit?.value,
        attainableDays: s.validity.attainableDays,
        shortMonths: s.validity.shortMonths.join(";"),
        in_progress: inProgress,
        roundingThreshold: s.roundingThreshold.value,
        roundingThresholdInclusive: s.roundingThreshold.inclusive,
      }));
      return respond(
        request,
        reply,
        {
          year,
          unit: "µg/m³",
          from: toBeijingIso(span.start),
          to: toBeijingIso(span.to),
          inProgress,
          elapsedDays: span.elapsedDays,
          daysInYear: span.daysInYear,
          target: {
            value: target,
            source: LIANDU_PM25_ANNUAL_TARGET.source,
            authority: LIANDU_PM25_ANNUAL_TARGET.authority,
          },
          rule: "daily mean of a completed Beijing day, valid with ≥ 20 valid hourly means (GB 3095 Table 4); annual statistic = mean of valid daily means",
          district,
          stations,
        },
        { filename: `compliance-pm25-${year}.csv`, columns: PM25_COLUMNS, rows },
      );
    },
  );

  app.get<{ Querystring: WaterComplianceQuery }>(
    "/compliance/water",
    {
      schema: {
        summary: "Share of water sections meeting their target class",
        description:
          "Class of every water section over the Beijing month or year (to date) containing `at`, against the section's target class (Class III by default), over the completed Beijing days only: today's hours are left out until the day has ended (`to` is the end of the last completed day), so a month or year to date has no data on its first day. A parameter's month value is the /series monthly mean (valid with ≥ 27 valid daily means, 25 in February; a day with ≥ 20 valid hourly means, or 5 of 6 values for a parameter measured every 4 h — the /series daily minimum), its year value the mean of its valid monthly means, valid when every month ended by `to` is valid (and at least one is); a parameter without a valid value is not assessed (`invalidParameters`, with its reason), and a section's class is valid only when every class-deciding parameter it measures is assessed (the same rule as GET /water/class): otherwise valid=false, class and meetsTarget null and a reason. The share counts only sections with a valid class (`assessed`); `notAssessable` says how many had none. Drinking-water sources are listed apart as well. CSV: one row per section (means and counts as JSON text), then a row `all` and a row `drinkingWater` with the shares (sections, assessed, notAssessable, meeting, share; empty on section rows). A month or year that has not ended at request time has inProgress=true (CSV: in_progress on every row): its classes come from the completed days so far and are not final. pH's means (day, month, year) are taken as GET /water/class takes them, through the hydrogen-ion concentration by default (环办监测函〔2020〕82号, provisional): `phAveraging` names the method in force.",
        tags: ["compliance"],
        querystring: waterComplianceQuery,
        response: {
          200: jsonOrCsv(
            "Class of every water section against its target, and the shares",
            waterComplianceResponse,
            WATER_COLUMNS,
          ),
          400: errorResponseSchema,
        },
      },
    },
    async function waterCompliance(request, reply) {
      const q = request.query;
      const now = ctx.now();
      const at = q.at === undefined ? now : parseTimeParam("at", q.at);
      const start = q.period === "month" ? beijingMonthStart(at) : beijingYearStart(at);
      if (q.at !== undefined && start > now) throw periodNotBegun(q.at, q.period, now);
      const end = q.period === "month" ? periodEnd(start, "1mo") : beijingYearStart(start + 400 * DAY_MS);
      const to = completedDaysEnd(start, end, now);
      const label = q.period === "month" ? beijingDate(start).slice(0, 7) : beijingDate(start).slice(0, 4);
      const sections: WaterSectionRow[] = [];
      for (const station of ctx.registry.stations.filter((s) => s.kind === "water")) {
        sections.push(await sectionCompliance(ctx, station, start, to, label, q.period));
      }
      const share = (list: typeof sections) => {
        const assessed = list.filter((s) => s.valid);
        const meeting = assessed.filter((s) => s.meetsTarget === true).length;
        return {
          sections: list.length,
          assessed: assessed.length,
          notAssessable: list.length - assessed.length,
          meeting,
          share: assessed.length === 0 ? null : meeting / assessed.length,
        };
      };
      const inProgress = isInProgress(end, now);
      const all = share(sections);
      const drinkingWater = share(sections.filter((s) => s.drinkingWaterSource));
      const rows: Record<string, unknown>[] = [
        ...sections.map((s) => ({
          ...s,
          name_zh: s.name.zh,
          name_en: s.name.en,
          deciding: s.deciding,
          in_progress: inProgress,
        })),
        { stationId: "all", name_zh: "全部断面", name_en: "All sections", ...all, in_progress: inProgress },
        {
          stationId: "drinkingWater",
          name_zh: "饮用水源",
          name_en: "Drinking-water sources",
          ...drinkingWater,
          in_progress: inProgress,
        },
      ];
      return respond(
        request,
        reply,
        {
          period: q.period,
          label,
          from: toBeijingIso(start),
          to: toBeijingIso(to),
          inProgress,
          phAveraging: phAveragingLabel(ctx.water.phAveraging),
          all,
          drinkingWater,
          sections,
        },
        {
          filename: `compliance-water-${label}.csv`,
          columns: WATER_COLUMNS,
          rows,
        },
      );
    },
  );

  app.get<{ Querystring: YearQuery }>(
    "/compliance/aqi-days",
    {
      schema: {
        summary: "Days by AQI category per air station",
        description:
          "Daily AQI (HJ 633, edition by date; the /aqi?period=day results) of every completed Beijing day of the year so far, classified for the excellent/good-day ratio (优良天数比例). A day is complete when no indicator of the station's programme is missing (pollutants outside the programme, notInProgramme, do not count). counts: level 1 (优) … 6 (严重污染) and na. Levels 1 and 2 count complete days only; levels 3–6 count every day with a daily AQI > 100, complete or not (a missing pollutant can only raise the maximum: the day was polluted whatever it was, its level a lower bound) — incompletePollutedDays of them had pollutants missing; na = no daily AQI at all. incompleteDays: days with pollutants missing and an AQI ≤ 100 from the others — under HJ 633-2012 published with that (possibly too low) AQI, e.g. 优 on /aqi; under HJ 633-2026 §5.3.1 withheld as NA — counted in no level, not in na and not in the ratio. So days = Σ levels + na + incompleteDays, and a day's category here can differ from its published one on /aqi. excellentGoodShare = excellentGoodDays (counts 1 + 2) / validAqiDays (Σ levels 1…6), 0 … 1 unrounded, null without such a day. `excellentGood` states the definition, the editions in force for the days counted (standards) and a note on missing data for them; the 2018 Liandu plan sets no target for this ratio (target null). No district row. While the year has not ended at request time, inProgress=true (CSV: in_progress on every row): the counts and the ratio are year to date, not the year's. CSV: excellentGoodDays, validAqiDays, excellentGoodShare after the level counts, then incompleteDays, incompletePollutedDays, in_progress.",
        tags: ["compliance"],
        querystring: complianceYearQuery,
        response: {
          200: jsonOrCsv(
            "Completed days by daily AQI category per air station",
            aqiDaysResponse,
            AQI_DAY_COLUMNS,
          ),
          400: errorResponseSchema,
        },
      },
    },
    async function aqiDays(request, reply) {
      const now = ctx.now();
      const year = requestedYear(request.query.year, now);
      const span = yearSpan(year, now);
      const to = span.to;
      const stations = [];
      for (const station of airStations()) {
        const counts: Record<(typeof AQI_DAY_KEYS)[number], number> = {
          1: 0,
          2: 0,
          3: 0,
          4: 0,
          5: 0,
          6: 0,
          na: 0,
        };
        let days = 0;
        let incompleteDays = 0;
        let incompletePollutedDays = 0;
        if (to > span.start) {
          const air: Record<string, HourSeries> = {};
          for (const metric of stationMetrics(station, AIR_METRICS)) {
            air[metric] = await loadHours(ctx, station, metric, span.start, to, "1d");
          }
          for (const day of aqiSeries(air as AirSeries, span.start, to, "day", airOptions(station, ctx))) {
            days += 1;
            // A day with pollutants missing is 优/良 only if complete; > 100 it was polluted anyway
            // (the missing ones can only raise a maximum); ≤ 100 it is neither (excellent-good.ts).
            const c = excellentGoodClass(day.result);
            if (c.kind === "na") counts.na += 1;
            else if (c.kind === "incomplete") incompleteDays += 1;
            else {
              counts[String(c.level) as (typeof AQI_DAY_KEYS)[number]] += 1;
              if (c.lowerBound) incompletePollutedDays += 1;
            }
          }
        }
        const excellentGoodDays = counts[1] + counts[2];
        const validAqiDays = days - counts.na - incompleteDays;
        stations.push({
          stationId: station.id,
          name: station.name,
          days,
          counts,
          excellentGoodDays,
          validAqiDays,
          excellentGoodShare: validAqiDays === 0 ? null : excellentGoodDays / validAqiDays,
          incompleteDays,
          incompletePollutedDays,
        });
      }
      const inProgress = isInProgress(span.end, now);
      const categories = AQI_CATEGORIES.map((c) => ({ level: c.level, zh: c.zh, en: c.en, color: c.color }));
      const rows = stations.map((s) => ({
        stationId: s.stationId,
        name_zh: s.name.zh,
        name_en: s.name.en,
        days: s.days,
        ...Object.fromEntries(AQI_DAY_KEYS.map((k) => [`level_${k}`, s.counts[k]])),
        excellentGoodDays: s.excellentGoodDays,
        validAqiDays: s.validAqiDays,
        excellentGoodShare: s.excellentGoodShare,
        incompleteDays: s.incompleteDays,
        incompletePollutedDays: s.incompletePollutedDays,
        in_progress: inProgress,
      }));
      return respond(
        request,
        reply,
        {
          year,
          from: toBeijingIso(span.start),
          to: toBeijingIso(to),
          inProgress,
          categories,
          excellentGood: excellentGoodInfo(
            aqiEditionsIn(beijingDate(span.start), beijingDate(Math.max(span.start, to - DAY_MS))),
          ),
          stations,
        },
        {
          filename: `compliance-aqi-days-${year}.csv`,
          columns: AQI_DAY_COLUMNS,
          rows,
        },
      );
    },
  );
}

/** 0 … 11: the month of a Beijing day label YYYY-MM-DD. */
function monthIndex(label: string): number {
  return Number(label.slice(5, 7)) - 1;
}

/**
 * assessAnnualTarget with the status to publish (annualTargetVerdict: "insufficient_data" once GB
 * 3095 Table 4's ≥ 324 days, ≥ 27 a month (25 in February) can no longer be met, air-aqi.md §7)
 * and what the data lack (`validity`).
 */
function annualAssessment(input: Parameters<typeof assessAnnualTarget>[0]) {
  const assessment = assessAnnualTarget(input);
  const validity = annualMeanShortfall(input);
  const status = annualTargetVerdict(assessment);
  // GB 3095-2012 §6.1 (air-aqi.md §7): data below Table 4's minimums are invalid and must not be
  // used — no ytdMean to compare or chart, no requiredMeanForRest; the mean of the valid days
  // stays visible under a name that says what it is.
  const notValid = status === "insufficient_data";
  return {
    ...assessment,
    status,
    ...(notValid ? { ytdMean: null, unroundedYtdMean: null, requiredMeanForRest: null } : {}),
    invalidMean: notValid ? assessment.unroundedYtdMean : null,
    validity: {
      requiredDays: validity.requiredDays,
      attainableDays: validity.attainableDays,
      shortMonths: validity.shortMonths,
      months: validity.months,
    },
  };
}

function airOptions(station: Station, ctx: ApiContext) {
  return {
    pmRealtimeBasis2012: ctx.pmRealtimeBasis2012,
    concentrationRounding2026: ctx.concentrationRounding2026,
    ...(station.airArea ? { airArea: station.airArea } : {}),
  };
}

type WaterSectionRow = Awaited<ReturnType<typeof sectionCompliance>>;

/**
 * Why a month (or a year still in its first month) to date over [start, to) cannot have a class
 * yet: fewer days of its first month have been completed than the valid daily means a monthly
 * mean needs (≥ 27, 25 in February; HJ 663, provisional) — however good the data, not before that
 * many days have ended. Undefined once that many days have been completed (or the month has ended).
 */
function notAssessableYet(start: number, to: number): string | undefined {
  const monthEnd = periodEnd(start, "1mo");
  if (to >= monthEnd) return undefined;
  const completed = Math.round((to - start) / DAY_MS);
  const february = isFebruary(start);
  const needed = february ? AIR_VALIDITY.minDaysPerFebruary : AIR_VALIDITY.minDaysPerMonth;
  if (completed >= needed) return undefined;
  const month = beijingDate(start).slice(0, 7);
  return `not assessable yet: only ${completed} day${completed === 1 ? "" : "s"} of ${month} completed, and a monthly mean needs ≥ ${needed} valid daily means${february ? " in February" : ` (${AIR_VALIDITY.minDaysPerFebruary} in February)`}, possible from ${beijingDate(start + needed * DAY_MS)} at the earliest`;
}

/** One water section's class over [start, to) against its target. */
async function sectionCompliance(
  ctx: ApiContext,
  station: Station,
  start: number,
  to: number,
  label: string,
  period: "month" | "year",
) {
  const water = station.water ?? { waterBody: "river" as const, targetClass: "III" as const };
  const series = new Map<MetricId, HourSeries>();
  if (to > start) {
    for (const metric of stationMetrics(station, WATER_METRICS)) {
      // Loaded by day: the hours of the completed days only (`to` is a Beijing midnight).
      series.set(metric, await loadHours(ctx, station, metric, start, to, "1d"));
    }
  }
  const result = waterClassToDate(
    series,
    { start, end: to, label },
    period === "month" ? "1mo" : "1y",
    water,
    metricIntervals(station, series.keys()),
    ctx.water,
  );
  const notYet = result.valid ? undefined : notAssessableYet(start, to);
  const reason = notYet && result.reason ? `${notYet}; ${result.reason}` : (notYet ?? result.reason);
  return {
    stationId: station.id,
    name: station.name,
    river: station.water?.river ?? null,
    drinkingWaterSource: station.water?.drinkingWaterSource ?? false,
    targetClass: water.targetClass ?? "III",
    valid: result.valid,
    ...(reason ? { reason } : {}),
    class: result.assessment?.class ?? null,
    meetsTarget: result.assessment ? result.assessment.meetsTarget : null,
    deciding: result.assessment?.deciding ?? [],
    means: result.means,
    counts: result.counts,
    invalidParameters: result.invalidParameters,
  };
}
