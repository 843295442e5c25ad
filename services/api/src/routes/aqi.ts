import { AIR_METRICS, toBeijingIso } from "@qingshan/domain";
import {
  AQI_INDICATORS,
  type ConcentrationRounding,
  concentrationRoundingLabel,
  indexedConcentration,
  pollutantOf,
} from "@qingshan/standards";
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
  // HJ 633-2026 rows: the concentration rounding in force, provisional (standards README, Review notes).
  "concentrationRounding",
  "concentrationRoundingProvisional",
  // HJ 633-2026 §5.3 (air-aqi.md §5): indicators of pollutants outside the station's programme ("/" in c_*, iaqi_*).
  "not_in_programme",
];

/** HJ 633-2026 deleted the exceeding-pollutant definition: no such column when every row is a 2026 result. */
const COLUMNS_2026 = COLUMNS.filter((c) => c !== "exceeding");

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

/**
 * The concentrations the AQI was computed from: under HJ 633-2026 each mean rounded as §4.2.2–4.2.3
 * asks (in the configured mode, GB/T 8170 half-even by default; CO to 0.1 mg/m³, the others to
 * 1 µg/m³) — re-indexing the published value gives the published IAQI; under HJ 633-2012 (no
 * rounding clause) the mean as computed. The unrounded means stay in `indicators[k].value`.
 * Pollutants outside the station's programme are left out (listed in `notInProgramme`): null is NA.
 */
function indexedConcentrations(
  p: AqiPeriod,
  rounding: ConcentrationRounding,
): Partial<Record<AqiIndicator, number | null>> {
  const out: Partial<Record<AqiIndicator, number | null>> = {};
  for (const [k, v] of Object.entries(p.inputs.concentrations) as [
    AqiIndicator,
    number | null | undefined,
  ][]) {
    if (v === undefined || outsideProgramme(p, k)) continue;
    out[k] = v === null ? null : indexedConcentration(p.result.standard, k, v, rounding);
  }
  return out;
}

/** Whether an indicator's pollutant is outside the station's monitoring programme (HJ 633-2026 §5.3). */
function outsideProgramme(p: AqiPeriod, k: AqiIndicator): boolean {
  return p.inputs.notInProgramme.includes(pollutantOf(k));
}

/**
 * The result as published: HJ 633-2026 deleted the exceeding-pollutant definition (超标污染物), which
 * a 2026-era system must not publish under that name, so 2026 results have no `exceeding`.
 */
function published(result: AqiPeriod["result"]) {
  if (result.standard === "HJ633-2012") return result;
  const { exceeding: _deleted, ...rest } = result;
  return rest;
}

/** The rounding label of an HJ 633-2026 result (standards README, Review notes: provisional); none under 2012. */
function roundingOf(p: AqiPeriod, rounding: ConcentrationRounding) {
  return p.result.standard === "HJ633-2026" ? concentrationRoundingLabel(rounding) : undefined;
}

function aqiJson(p: AqiPeriod, now: number, rounding: ConcentrationRounding) {
  const label = roundingOf(p, rounding);
  return {
    label: p.label,
    start: toBeijingIso(p.start),
    end: toBeijingIso(p.end),
    inProgress: isInProgress(p.end, now),
    ...published(p.result),
    ...(label ? { concentrationRounding: label } : {}),
    concentrations: indexedConcentrations(p, rounding),
    indicators: p.inputs.indicators,
  };
}

function aqiRow(p: AqiPeriod, now: number, rounding: ConcentrationRounding): Record<string, unknown> {
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
    // HJ 633-2012 only (an empty field on a 2026 row: the definition was deleted).
    exceeding: r.standard === "HJ633-2012" ? r.exceeding : undefined,
    pmBasis: r.pmBasis,
    withheld_aqi: r.withheld?.aqi,
    withheld_reason: r.withheld?.reason,
    missing: r.missing,
    concentrationRounding: roundingOf(p, rounding)?.mode,
    concentrationRoundingProvisional: roundingOf(p, rounding)?.provisional,
    not_in_programme: r.notInProgramme,
  };
  const concentrations = indexedConcentrations(p, rounding);
  for (const k of INDICATORS) {
    // HJ 633-2026 §5.3 (air-aqi.md §5): "/" for "not in the programme", apart from a missing value.
    const outside = k in p.inputs.concentrations && outsideProgramme(p, k);
    row[`c_${k}`] = outside ? "/" : concentrations[k];
    row[`iaqi_${k}`] = outside ? "/" : iaqiNumber(iaqi[k]);
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
          "HJ 633 AQI per hour label or Beijing day; the edition (HJ633-2012 before 2026-03-01, HJ633-2026 after) is chosen by the period's Beijing date. Each result lists the concentrations indexed (`concentrations`, CSV c_*: under HJ 633-2026 the means rounded as §4.2.2–4.2.3 asks — GB/T 8170 half-even by default, or truncated as configured; CO to 0.1 mg/m³, the others to integers — so that re-indexing a published value gives the published IAQI; under HJ 633-2012, which has no rounding clause, the means as computed), the unrounded means with their basis (`indicators`), and why missing ones are missing. A pollutant the station does not measure at all (not in its registry `metrics`) is not in the monitoring programme: its report indicators are listed in `notInProgramme` (CSV not_in_programme, and / in its c_* and iaqi_* fields, where a missing value is empty), not in `missing`, and it does not withhold a 2026 AQI ≤ 100 (HJ 633-2026 §5.3; the three-year primary-pollutant history of a programme that changed is not checked). Every HJ 633-2026 result states the rounding mode in force, its rule and provisional=true (`concentrationRounding`; CSV: concentrationRounding, concentrationRoundingProvisional, empty on 2012 rows): sources citing §4.2 disagree (half-to-even or truncation). `exceeding` (超标污染物, IAQI > 100) is given for HJ 633-2012 results only: HJ 633-2026 deleted the definition, so 2026 results have no such field, and the CSV has the column only when some row is a 2012 result (empty on 2026 rows). Under HJ 633-2026 the AQI ranges over 1–500 (§4.1.1): a day or hour whose IAQIs are all 0 has AQI 1. HJ 633 publishes the AQI of completed hours and days: a period that has not ended at request time (end > now — the hour in progress, today) has inProgress=true (CSV: in_progress) and its AQI, level and category are computed from the data so far and not final; completed periods have inProgress=false.",
        tags: ["aqi"],
        querystring: aqiQuery,
        response: {
          200: jsonOrCsv(
            "AQI of each hour label or Beijing day, with its inputs",
            aqiResponse,
            COLUMNS_2026,
            "With an HJ 633-2012 row in the range, an `exceeding` column follows `primary` (empty on 2026 rows)",
          ),
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
        concentrationRounding2026: ctx.concentrationRounding2026,
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
          results: results.map((p) => aqiJson(p, now, ctx.concentrationRounding2026)),
        },
        {
          filename: `aqi-${station.id}-${q.period}.csv`,
          // The exceeding column only when a row is an HJ 633-2012 result.
          columns: results.some((p) => p.result.standard === "HJ633-2012") ? COLUMNS : COLUMNS_2026,
          rows: results.map((p) => aqiRow(p, now, ctx.concentrationRounding2026)),
        },
      );
    },
  );
}
