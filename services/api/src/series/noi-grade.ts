import { BEIJING_OFFSET_MS, beijingYearStart } from "@qingshan/domain";
import {
  DEFAULT_NOI_SCHEME,
  gradeNoiWith,
  type NoiGradeResult,
  type NoiScheme,
  type NoiSchemeId,
  noiSchemeOf,
} from "@qingshan/standards";
import { aggregate, type ValidityRules } from "./aggregate.ts";
import { mean } from "./mean.ts";
import type { Every, HourSeries, PeriodValue } from "./types.ts";

export type NoiGrade = NoiGradeResult;

/** Periods whose NOI mean is graded: the calendar steps of /series and the Beijing year. */
export const NOI_PERIODS = ["1h", "1d", "1mo", "1y"] as const;
export type NoiPeriodStep = (typeof NOI_PERIODS)[number];

/**
 * No validity minimums exist for NOI statistics; negative-oxygen-ions.md §3 recommends adopting
 * the air-quality ones as a labelled local rule.
 */
export const NOI_VALIDITY: ValidityRules = Object.freeze({
  minHoursPerDay: 20,
  minDaysPerMonth: 27,
  minDaysPerFebruary: 25,
  source: "local rule (air-quality minimums, GB 3095 Table 4 / HJ 663, applied to negative oxygen ions)",
});

/**
 * Valid daily means an annual NOI mean needs: negative-oxygen-ions.md §3 adopts the air-quality
 * minimums, "≥ 324 days per year" (GB 3095 Table 4's annual count), as a local rule.
 */
export const NOI_MIN_DAYS_PER_YEAR = 324;

export interface NoiPeriod extends PeriodValue {
  /** Grade of the period mean; null when the period is not valid. */
  readonly grade: NoiGrade | null;
}

/** Beijing calendar years overlapping [from, to), each [1 Jan 00:00, next 1 Jan 00:00) +08:00. */
function beijingYears(from: number, to: number): { start: number; end: number; label: string }[] {
  const out: { start: number; end: number; label: string }[] = [];
  for (let start = beijingYearStart(from); start < to; ) {
    const year = new Date(start + BEIJING_OFFSET_MS).getUTCFullYear();
    const end = Date.UTC(year + 1, 0, 1) - BEIJING_OFFSET_MS;
    out.push({ start, end, label: String(year) });
    start = end;
  }
  return out;
}

/**
 * Annual means of the Beijing years overlapping [from, to): the mean of the year's valid daily
 * means (each valid with ≥ 20 valid hourly means, as `1d`), valid with ≥ 324 of them
 * (negative-oxygen-ions.md §3: annual means from daily means, ≥ 324 days per year, a local rule).
 */
function annualMeans(series: HourSeries, from: number, to: number, intervalMs?: number): PeriodValue[] {
  return beijingYears(from, to).map((year): PeriodValue => {
    const days = aggregate(series, year.start, year.end, "1d", "mean", NOI_VALIDITY, "noi", intervalMs);
    const dayMeans = days.flatMap((d) => (d.valid && d.value !== null ? [d.value] : []));
    const valid = dayMeans.length >= NOI_MIN_DAYS_PER_YEAR;
    return {
      ...year,
      value: valid ? mean(dayMeans) : null,
      valid,
      ...(valid
        ? {}
        : {
            reason: `${dayMeans.length} valid daily mean${dayMeans.length === 1 ? "" : "s"}; needs ≥ ${NOI_MIN_DAYS_PER_YEAR}`,
          }),
      validCount: dayMeans.length,
      totalCount: days.length,
      rule: `${NOI_VALIDITY.source}: annual mean of the valid daily means needs ≥ ${NOI_MIN_DAYS_PER_YEAR} of them (each ≥ ${NOI_VALIDITY.minHoursPerDay} valid hourly means)`,
      provisional: false,
    };
  });
}

/**
 * NOI grade of each period mean (grading applies to means, never to single readings): hourly,
 * daily, monthly (`aggregate`) or annual (`1y`: Beijing calendar years, from the daily means).
 * `scheme`: the grade table (an id or a table; default candidate A, provisional). `intervalMs`:
 * the site's interval between NOI readings (reportingIntervalOf), as for aggregate.
 *
 * @example
 * noiGrades(noi, from, to, "1d") // → [{ label: "2026-11-29", value: 1350, grade: { grade: "I", … } }]
 * noiGrades(noi, from, to, "1y", "candidate-b") // → [{ label: "2026", validCount: 330, grade: { grade: "II", … } }]
 */
export function noiGrades(
  series: HourSeries,
  from: number,
  to: number,
  every: NoiPeriodStep,
  scheme: NoiSchemeId | NoiScheme = DEFAULT_NOI_SCHEME,
  intervalMs?: number,
): NoiPeriod[] {
  const table = noiSchemeOf(scheme);
  const means =
    every === "1y"
      ? annualMeans(series, from, to, intervalMs)
      : aggregate(series, from, to, every satisfies Every, "mean", NOI_VALIDITY, "noi", intervalMs);
  return means.map((p) => ({
    ...p,
    grade: p.valid && p.value !== null ? gradeNoiWith(table, p.value) : null,
  }));
}

/**
 * The Beijing-year bounds [start of from's year, end of (to − 1)'s year): the hours a `1y` query
 * needs.
 *
 * @example
 * noiYearSpan(Date.parse("2026-06-01T00:00+08:00"), Date.parse("2026-06-02T00:00+08:00"))
 * // → { from: 2026-01-01T00:00+08:00, to: 2027-01-01T00:00+08:00 } (as UTC ms)
 */
export function noiYearSpan(from: number, to: number): { from: number; to: number } {
  const years = beijingYears(from, to);
  return { from: years[0]?.start ?? from, to: years.at(-1)?.end ?? to };
}
