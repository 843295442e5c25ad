import { type MetricId, metricInSentence } from "@qingshan/domain";
import { type DailyMinimum, dailyMinimum, scaledDailyRule, scaledDailyShortfall } from "@qingshan/standards";
import { hourLabelsIn, isFebruary, periods } from "./calendar.ts";
import { validMean } from "./hourly-validity.ts";
import { clean, mean, unroundedOf } from "./mean.ts";
import { dailyRuleSource, GENERIC_RULE_SOURCES, hourlyRuleSource, monthlyRuleSource } from "./rule-source.ts";
import type { AggFn, Every, HourSeries, PeriodValue } from "./types.ts";

/** Minimum data for a period statistic; defaults are the GB 3095 Table 4 / HJ 663 values. */
export interface ValidityRules {
  /** GB 3095 Table 4: a 24-h mean needs ≥ 20 hourly means. */
  readonly minHoursPerDay: number;
  /** HJ 663 (medium confidence, air-aqi.md §8): ≥ 27 daily values in a month… */
  readonly minDaysPerMonth: number;
  /** …and ≥ 25 in February. */
  readonly minDaysPerFebruary: number;
  /**
   * Where the daily and monthly minimums come from, for rules of their own (NOI); without it the
   * `rule` texts name the source per metric (dailyRuleSource, monthlyRuleSource).
   */
  readonly source?: string;
}

/** The air minimums; their `rule` texts cite GB 3095 Table 4 / HJ 663 only for the metrics those list. */
export const AIR_VALIDITY: ValidityRules = Object.freeze({
  minHoursPerDay: 20,
  minDaysPerMonth: 27,
  minDaysPerFebruary: 25,
});

/**
 * The daily minimum of a metric measured every `intervalMs` (its registry interval, see
 * reportingIntervalOf): `rules.minHoursPerDay` of 24 hourly means, or — for a metric sampled less
 * often than hourly — the scaled minimum of @qingshan/standards dailyMinimum (the evaluator's
 * windows apply the same function).
 */
interface DayMinimum {
  readonly rules: ValidityRules;
  readonly expected: number;
  /** Set when the minimum is scaled to a sampling interval longer than 1 h. */
  readonly scaled?: DailyMinimum;
}

function dayMinimumOf(rules: ValidityRules, metric?: MetricId, intervalMs?: number): DayMinimum {
  if (metric === undefined || intervalMs === undefined) return { rules, expected: 24 };
  const min = dailyMinimum(metric, intervalMs);
  if (min.everyHours === undefined) return { rules, expected: 24 };
  return { rules: { ...rules, minHoursPerDay: min.required }, expected: min.expected, scaled: min };
}

/** Why a day with `n` valid hourly means is not valid under `day`'s minimum. */
function dayShortfall(day: DayMinimum, n: number, metric: MetricId | undefined): string {
  const scaled =
    day.scaled && metric ? scaledDailyShortfall(day.scaled, n, metricInSentence(metric)) : undefined;
  return scaled ?? `${n} valid hourly mean${n === 1 ? "" : "s"}; needs ≥ ${day.rules.minHoursPerDay}`;
}

/** Values of the valid days of a period, with the count of valid hours per day. */
interface DayStat {
  readonly start: number;
  readonly hourMeans: readonly number[];
  readonly valid: boolean;
}

function dayStat(series: HourSeries, start: number, end: number, rules: ValidityRules): DayStat {
  const hourMeans: number[] = [];
  for (const label of hourLabelsIn(start, end)) {
    const mean = validMean(series, label);
    if (mean !== undefined) hourMeans.push(mean);
  }
  return { start, hourMeans, valid: hourMeans.length >= rules.minHoursPerDay };
}

/**
 * How a period mean is taken from its items (hourly means for a day, daily means for a month):
 * `mean` (arithmetic) unless the caller says otherwise, e.g. hydrogenIonMeanPh for pH in the water
 * class.
 */
export type Average = (values: readonly number[]) => number | null;

function statistic(values: readonly number[], fn: AggFn, average: Average = mean): number | null {
  if (fn === "count") return values.length;
  if (values.length === 0) return null;
  if (fn === "min") return Math.min(...values);
  if (fn === "max") return Math.max(...values);
  return average(values);
}

/**
 * Aggregates a validated hourly series over Beijing calendar periods overlapping [from, to).
 *
 * - `1h`: the hour's own statistic (min/max of the valid readings; count = valid readings);
 *   valid per the ≥ 45 min rule already applied to the series; its `rule` cites the source for
 *   `metric` (GB 3095 Table 4 for the gases, a local rule otherwise — see hourlyRuleSource).
 * - `1d`: the statistic of the valid hourly means of the day (hours labelled D 01:00 … D+1 00:00);
 *   valid with ≥ `minHoursPerDay` of them (GB 3095 Table 4 for SO2, NO2, CO, PM; a local rule
 *   for O3, water and NOI — see dailyRuleSource).
 * - `1mo`: the statistic of the valid daily means of the month; valid with ≥ 27 valid days
 *   (≥ 25 in February), an HJ 663 rule read with medium confidence, so labelled provisional (a
 *   local rule for O3, water and NOI — see monthlyRuleSource).
 *
 * A metric measured less often than hourly (`intervalMs` > 1 h, its registry interval): a day
 * needs the scaled minimum of @qingshan/standards dailyMinimum (5 of the 6 values of a 4-hourly
 * parameter; a local rule by analogy, its `rule` says so) and an hour without a reading is
 * `notSampled` rather than missing data. The month rule is unchanged on the daily values.
 *
 * An invalid period has `valid: false`, a reason and a null value; `count` reports the number of
 * valid items whatever the validity.
 *
 * `average` takes the means (a day's from its hourly means, a month's daily means from their
 * hours and the month's from those): arithmetic by default; the hour's own value is the store's.
 *
 * @example
 * aggregate(series, Date.parse("2026-11-29T00:00+08:00"), Date.parse("2026-11-30T00:00+08:00"), "1d", "mean")
 * // → [{ label: "2026-11-29", value: 31.4, valid: true, validCount: 23, totalCount: 24, … }]
 */
export function aggregate(
  series: HourSeries,
  from: number,
  to: number,
  every: Every,
  fn: AggFn,
  validity: ValidityRules = AIR_VALIDITY,
  metric?: MetricId,
  intervalMs?: number,
  average: Average = mean,
): PeriodValue[] {
  const minimum = dayMinimumOf(validity, metric, intervalMs);
  const { rules, scaled } = minimum;
  const hourRule = `${metric ? hourlyRuleSource(metric) : GENERIC_RULE_SOURCES.hourly}: ≥ 45 min of sampling in the hour`;
  const daySource = rules.source ?? (metric ? dailyRuleSource(metric) : GENERIC_RULE_SOURCES.daily);
  const dayRule =
    (scaled && metric ? scaledDailyRule(scaled, metricInSentence(metric), "GB 3095 Table 4") : undefined) ??
    `${daySource}: daily mean needs ≥ ${rules.minHoursPerDay} valid hourly means`;
  const notSampled =
    scaled && metric
      ? `not sampled in this hour: ${metricInSentence(metric)} is measured every ${scaled.everyHours} h (registry metricReportingIntervalMs)`
      : undefined;
  const monthSource = rules.source ?? (metric ? monthlyRuleSource(metric) : GENERIC_RULE_SOURCES.monthly);
  return periods(from, to, every).map((period): PeriodValue => {
    if (every === "1h") {
      const hour = series.get(period.end);
      const base = { ...period, rule: hourRule, provisional: false };
      if (!hour) {
        return {
          ...base,
          value: fn === "count" ? 0 : null,
          valid: false,
          reason: notSampled ?? "no reading in the hour",
          ...(notSampled ? { notSampled: true as const } : {}),
          validCount: 0,
          totalCount: 0,
        };
      }
      const value =
        fn === "count" ? hour.validCount : fn === "min" ? hour.min : fn === "max" ? hour.max : hour.mean;
      return {
        ...base,
        value: hour.valid || fn === "count" ? value : null,
        valid: hour.valid,
        ...(hour.reason ? { reason: hour.reason } : {}),
        validCount: hour.validCount,
        totalCount: hour.totalCount,
      };
    }
    if (every === "1d") {
      const day = dayStat(series, period.start, period.end, rules);
      const n = day.hourMeans.length;
      return {
        ...period,
        value: day.valid || fn === "count" ? statistic(day.hourMeans, fn, average) : null,
        valid: day.valid,
        ...(day.valid ? {} : { reason: dayShortfall(minimum, n, metric) }),
        validCount: n,
        totalCount: scaled ? Math.max(minimum.expected, n) : 24,
        rule: dayRule,
        provisional: false,
      };
    }
    const days = periods(period.start, period.end, "1d").map((d) => dayStat(series, d.start, d.end, rules));
    // The month's mean is taken on the daily means before their 12-digit rounding (mean.ts
    // PeriodAverage): a mean of rounded daily means is rounded twice and can miss the correctly
    // rounded monthly mean in its last digit. min and max are daily means as /series shows them.
    const unrounded = unroundedOf(average);
    const dayMeans = days.filter((d) => d.valid).map((d) => unrounded(d.hourMeans) as number);
    const needed = isFebruary(period.start) ? rules.minDaysPerFebruary : rules.minDaysPerMonth;
    const valid = dayMeans.length >= needed;
    const monthValue = statistic(dayMeans, fn, average);
    return {
      ...period,
      value:
        valid || fn === "count"
          ? (fn === "min" || fn === "max") && monthValue !== null
            ? clean(monthValue)
            : monthValue
          : null,
      valid,
      ...(valid ? {} : { reason: `${dayMeans.length} valid daily means; needs ≥ ${needed}` }),
      validCount: dayMeans.length,
      totalCount: days.length,
      rule: `${monthSource}: monthly mean needs ≥ ${rules.minDaysPerMonth} valid days (≥ ${rules.minDaysPerFebruary} in February)`,
      provisional: true,
    };
  });
}

/**
 * Mean of the valid hourly means of one day [start, end) with its validity and, when not valid,
 * why (used by AQI, NOI and the water class of the last 24 h; `metric`, `intervalMs` and
 * `average` as for aggregate).
 */
export function dailyMean(
  series: HourSeries,
  start: number,
  end: number,
  validity: ValidityRules = AIR_VALIDITY,
  metric?: MetricId,
  intervalMs?: number,
  average: Average = mean,
): { value: number | null; validHours: number; valid: boolean; reason?: string } {
  const minimum = dayMinimumOf(validity, metric, intervalMs);
  const day = dayStat(series, start, end, minimum.rules);
  const n = day.hourMeans.length;
  return {
    value: day.valid ? statistic(day.hourMeans, "mean", average) : null,
    validHours: n,
    valid: day.valid,
    ...(day.valid ? {} : { reason: dayShortfall(minimum, n, metric) }),
  };
}
