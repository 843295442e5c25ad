import { compareDecimal, decimalOf } from "./decimal.ts";

/** One statistical-validity rule with its text and source. */
export interface ValidityRule {
  readonly id: ValidityRuleId;
  readonly statistic: string;
  readonly pollutants: readonly string[];
  readonly rule: string;
  /** The rule's name inside a sentence, e.g. "1-h minimum" (see citeValidityRule). */
  readonly minimum: string;
  readonly source: string;
  readonly confidence: "high" | "medium";
  /** True when the rule was not read in the standard itself (air-aqi.md §8): ship labelled provisional. */
  readonly provisional: boolean;
}

export type ValidityRuleId =
  | "hourly-mean"
  | "daily-mean"
  | "eight-hour-mean"
  | "o3-daily-max-8h"
  | "o3-daily-max-1h"
  | "monthly-mean"
  | "annual-mean";

/** The outcome of a validity check: the verdict, why, and the rule applied. */
export interface ValidityVerdict {
  readonly valid: boolean;
  readonly reason: string;
  readonly rule: ValidityRule;
}

/** GB 3095 Table 4 (identical in 2012 and 2026) and HJ 663 §6 minimum-data rules. */
export const VALIDITY_RULES: Readonly<Record<ValidityRuleId, ValidityRule>> = {
  // GB 3095-2012 / GB 3095-2026 Table 4: 1-h mean needs ≥ 45 min of sampling
  "hourly-mean": {
    id: "hourly-mean",
    minimum: "1-h minimum",
    statistic: "1-h mean",
    pollutants: ["so2", "no2", "co", "o3", "nox"],
    rule: "at least 45 minutes of sampling in the hour",
    source: "GB 3095-2012 / GB 3095-2026 Table 4",
    confidence: "high",
    provisional: false,
  },
  // GB 3095-2012 / GB 3095-2026 Table 4: 24-h mean needs ≥ 20 hourly means
  "daily-mean": {
    id: "daily-mean",
    minimum: "24-h minimum",
    statistic: "24-h (daily) mean",
    pollutants: ["so2", "no2", "co", "pm10", "pm25", "nox"],
    rule: "at least 20 hourly means (or 20 h of sampling) in the natural day",
    source: "GB 3095-2012 / GB 3095-2026 Table 4",
    confidence: "high",
    provisional: false,
  },
  // GB 3095-2012 / GB 3095-2026 Table 4: 8-h mean needs ≥ 6 of the 8 hourly means
  "eight-hour-mean": {
    id: "eight-hour-mean",
    minimum: "8-h minimum",
    statistic: "8-h mean",
    pollutants: ["o3"],
    rule: "at least 6 hourly means within the 8 hours",
    source: "GB 3095-2012 / GB 3095-2026 Table 4",
    confidence: "high",
    provisional: false,
  },
  // HJ 663-2013 / HJ 663-2026 §6.1.2: ≥ 14 of 17 windows, or valid anyway above the limit
  "o3-daily-max-8h": {
    id: "o3-daily-max-8h",
    minimum: "daily maximum 8-h rule",
    statistic: "O3 daily maximum 8-h mean",
    pollutants: ["o3"],
    rule: "at least 14 valid 8-h means among the 17 windows ending 08:00…24:00 of the day; with fewer, valid if the maximum exceeds the concentration limit",
    // Read via a public archive of both texts (air-aqi.md §8).
    source: "HJ 663-2013 / HJ 663-2026 §6.1.2",
    confidence: "high",
    provisional: false,
  },
  // Local rule: HJ 633-2012's daily O3 1-h maximum, ≥ 20 valid hours or above the 1-h limit (HJ 663 §6.1.2's logic)
  "o3-daily-max-1h": {
    id: "o3-daily-max-1h",
    minimum: "daily maximum 1-h rule",
    statistic: "O3 daily maximum 1-h mean (HJ 633-2012 daily report)",
    pollutants: ["o3"],
    rule: "at least 20 valid hourly means in the natural day; with fewer, valid if the maximum exceeds the 1-h concentration limit",
    // No standard sets it: GB 3095 Table 4's 24-h minimum with HJ 663 §6.1.2's exception, by analogy.
    source:
      "local rule (GB 3095 Table 4's 24-h minimum and HJ 663 §6.1.2's exception, applied to the O3 daily maximum 1-h mean)",
    confidence: "medium",
    provisional: true,
  },
  // HJ 663-2013 (from memory, not read): ≥ 27 daily values a month, ≥ 25 in February
  "monthly-mean": {
    id: "monthly-mean",
    minimum: "monthly minimum",
    statistic: "monthly mean",
    pollutants: ["so2", "no2", "co", "o3", "pm10", "pm25"],
    rule: "at least 27 daily values in the month (at least 25 in February)",
    // Not read in HJ 663 itself (air-aqi.md §8, medium confidence): hence provisional.
    source: "HJ 663-2013 (provisional)",
    confidence: "medium",
    provisional: true,
  },
  // GB 3095-2012 / GB 3095-2026 Table 4: ≥ 324 daily means a year and ≥ 27 each month (≥ 25 Feb)
  "annual-mean": {
    id: "annual-mean",
    minimum: "annual minimum",
    statistic: "annual mean",
    pollutants: ["so2", "no2", "pm10", "pm25", "nox"],
    rule: "at least 324 daily means in the year and at least 27 in every month (at least 25 in February)",
    source: "GB 3095-2012 / GB 3095-2026 Table 4",
    confidence: "high",
    provisional: false,
  },
};

/**
 * How a rule is cited when applied to `metric` (`label`: its name in a sentence): `standard` when
 * the rule lists the metric; otherwise Qingshan's local rule applying it by analogy.
 *
 * @example
 * citeValidityRule("hourly-mean", "no2", "NO2", "GB 3095 Table 4")    // "GB 3095 Table 4"
 * citeValidityRule("hourly-mean", "pm25", "PM2.5", "GB 3095 Table 4") // "local rule (GB 3095 Table 4's 1-h minimum applied to PM2.5)"
 */
export function citeValidityRule(
  id: ValidityRuleId,
  metric: string,
  label: string,
  standard: string,
): string {
  const rule = VALIDITY_RULES[id];
  return rule.pollutants.includes(metric)
    ? standard
    : `local rule (${standard}'s ${rule.minimum} applied to ${label})`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How many values a day of one metric needs, for its sampling interval (see dailyMinimum). */
export interface DailyMinimum {
  /** Valid values the day needs: hourly means of the hours holding a sample. */
  readonly required: number;
  /** Values a complete day holds: 24 hourly means, or one per sampling cycle. */
  readonly expected: number;
  /**
   * Hours between samples when the minimum is scaled (the metric is sampled less often than
   * hourly and its daily minimum is a local rule); undefined for the plain 20 of 24 hourly means.
   */
  readonly everyHours?: number;
}

/**
 * The values a day of `metric` needs when it is measured every `intervalMs`. Measured hourly or
 * more often (and always for the metrics GB 3095 Table 4's 24-h row lists): ≥ 20 hourly means.
 * Less often (e.g. CODMn, NH3-N, TP every 4 h at automatic water stations, water-gb3838.md §5):
 * the day holds ⌊24 h / interval⌋ values and needs the same share as 20 of 24, rounded up.
 *
 * @example
 * dailyMinimum("pm25", 3_600_000)  // { required: 20, expected: 24 }
 * dailyMinimum("codmn", 14_400_000) // { required: 5, expected: 6, everyHours: 4 }
 */
export function dailyMinimum(metric: string, intervalMs: number): DailyMinimum {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new RangeError(`intervalMs: expected a positive number of ms, got ${String(intervalMs)}`);
  if (intervalMs <= HOUR_MS || VALIDITY_RULES["daily-mean"].pollutants.includes(metric))
    return HOURLY_DAILY_MINIMUM;
  const expected = Math.max(1, Math.floor(DAY_MS / intervalMs));
  // Local rule by analogy with GB 3095 Table 4 / HJ 663's 24-h minimum (20 of 24 hourly values): the same share of the day's samples.
  const required = Math.ceil((expected * 20) / 24);
  return { required, expected, everyHours: intervalMs / HOUR_MS };
}

const HOURLY_DAILY_MINIMUM: DailyMinimum = Object.freeze({ required: 20, expected: 24 });

/**
 * The rule text of a scaled daily minimum (`label`: the metric's name in a sentence; `standard`:
 * the edition cited, e.g. "GB 3095 Table 4"; `statistic`: "daily mean", or "24-h mean" for a
 * rolling 24 h), as /series and the evaluator's windows write it; undefined for the plain 20 of
 * 24 hourly means, whose texts the callers keep.
 *
 * @example
 * scaledDailyRule(dailyMinimum("tp", 14_400_000), "total phosphorus", "GB 3095 Table 4")
 * // "local rule (GB 3095 Table 4's 24-h minimum of 20 of 24 hourly means, scaled to total phosphorus measured every 4 h): daily mean needs ≥ 5 of the 6 values expected in 24 h"
 */
export function scaledDailyRule(
  min: DailyMinimum,
  label: string,
  standard: string,
  statistic = "daily mean",
): string | undefined {
  if (min.everyHours === undefined) return undefined;
  return `local rule (${standard}'s ${VALIDITY_RULES["daily-mean"].minimum} of 20 of 24 hourly means, scaled to ${label} measured every ${formatHours(min.everyHours)}): ${statistic} needs ≥ ${min.required} of the ${min.expected} values expected in 24 h`;
}

/**
 * Why a day with `n` valid values of a metric under a scaled minimum is not valid; undefined for
 * the plain 20 of 24 hourly means.
 *
 * @example
 * scaledDailyShortfall(dailyMinimum("nh3n", 14_400_000), 4, "ammonia nitrogen") // "4 valid values (ammonia nitrogen is measured every 4 h); needs ≥ 5 of 6"
 */
export function scaledDailyShortfall(min: DailyMinimum, n: number, label: string): string | undefined {
  if (min.everyHours === undefined) return undefined;
  return `${n} valid value${n === 1 ? "" : "s"} (${label} is measured every ${formatHours(min.everyHours)}); needs ≥ ${min.required} of ${min.expected}`;
}

function formatHours(hours: number): string {
  return `${Number(hours.toFixed(2))} h`;
}

function checkCount(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${what}: expected an integer 0…${max}, got ${String(value)}`);
}

function verdict(id: ValidityRuleId, valid: boolean, reason: string): ValidityVerdict {
  return { valid, reason, rule: VALIDITY_RULES[id] };
}

/**
 * GB 3095 Table 4: a 1-h mean is valid with ≥ 45 minutes of sampling in the hour.
 *
 * @example
 * hourlyMeanValidity(44).valid // false
 */
export function hourlyMeanValidity(minutesSampled: number): ValidityVerdict {
  checkCount(minutesSampled, 60, "minutesSampled");
  return verdict("hourly-mean", minutesSampled >= 45, `${minutesSampled} of 60 minutes sampled; needs ≥ 45`);
}

/** GB 3095 Table 4: a 1-h mean needs at least 45 minutes of sampling in the hour (ms). */
export const MIN_SAMPLING_PER_HOUR_MS = 45 * 60_000;

/**
 * The sampling time a reading has in its hour (the hour holding its start; hours are labelled by
 * their end): its averaging period cut at that hour's end — `min(periodMs, hourEnd − ts)`.
 * GB 3095-2012 Table 4 counts the sampling time IN the hour towards a 1-h mean's 45 minutes; the
 * part of a sample after the hour's end is in no hour's credit. Instantaneous readings (period 0)
 * have 0 here ({@link readingSampledMs} credits them the reporting interval).
 *
 * @example
 * inHourPeriodMs(Date.UTC(2026, 0, 1, 2, 50), 3_600_000) // 600_000: 10 of its 60 min are in 02:00–03:00
 * inHourPeriodMs(Date.UTC(2026, 0, 1, 2, 0), 3_600_000) // 3_600_000: an aligned hourly sample
 */
export function inHourPeriodMs(ts: number, periodMs: number): number {
  return Math.min(periodMs, HOUR_MS - (((ts % HOUR_MS) + HOUR_MS) % HOUR_MS));
}

/**
 * The sampling time one valid reading is credited with in its hour for the 45-minute rule
 * (GB 3095-2012 Table 4), at most an hour: the part of its averaging period inside the hour
 * ({@link inHourPeriodMs}), or the metric's reporting interval when it is instantaneous (period 0).
 * An hour's credit is the sum over its valid readings, capped at an hour; {@link hourSampledMs}
 * is the same rule applied to a stored hour's aggregate.
 *
 * @example
 * readingSampledMs(Date.UTC(2026, 0, 1, 2, 50), 3_600_000, 300_000) // 600_000
 * readingSampledMs(Date.UTC(2026, 0, 1, 2, 50), 0, 300_000) // 300_000: instantaneous, 5-min interval
 */
export function readingSampledMs(ts: number, periodMs: number, reportingIntervalMs: number): number {
  return Math.min(HOUR_MS, periodMs > 0 ? inHourPeriodMs(ts, periodMs) : reportingIntervalMs);
}

/**
 * The sampling time credited to one hour of stored readings for the 45-minute rule (GB 3095 Table 4),
 * capped at 1 h, from the hour's aggregate: readings with an averaging period are credited the part
 * of it inside the hour (`validPeriodMs`, as the store sums it); instantaneous readings the metric's
 * reporting interval each. With no averaged time every valid reading is instantaneous; with some,
 * the aggregate does not say how many valid readings were instantaneous: `instantaneousCount` (counted
 * from the raw readings by the caller; at most `validCount − 1`) adds them, and without it only the
 * averaged time counts. Positional arguments: called for every hour of a year of series.
 *
 * @example
 * hourSampledMs(1, 0, 300_000) // 300_000: one 5-min instantaneous reading
 * hourSampledMs(9, 0, 300_000) // 2_700_000: nine of them, 45 min
 * hourSampledMs(10, 900_000, 300_000, 9) // 3_600_000: a PT15M reading and nine 5-min ones
 * hourSampledMs(10, 900_000, 300_000) // 900_000: the same hour, instantaneous readings not counted
 */
export function hourSampledMs(
  validCount: number,
  validPeriodMs: number,
  reportingIntervalMs: number,
  instantaneousCount = 0,
): number {
  if (validPeriodMs <= 0) return Math.min(HOUR_MS, validCount * reportingIntervalMs);
  const instantaneous = Math.max(0, Math.min(instantaneousCount, validCount - 1));
  return Math.min(HOUR_MS, validPeriodMs + instantaneous * reportingIntervalMs);
}

/**
 * Whether an hour's validity under the 45-minute rule can depend on how many of its valid readings
 * were instantaneous, i.e. whether the caller must count them from the raw readings and pass
 * `instantaneousCount` to {@link hourSampledMs} / {@link hourHasEnoughSampling}: some valid reading
 * was averaged (`validPeriodMs` > 0), there are others (`validCount` ≥ 2), and the averaged time
 * alone is short of 45 min. Any other hour is decided by its aggregate: instantaneous readings only,
 * one averaged reading, or averaged time that passes alone.
 *
 * @example
 * hourNeedsInstantaneousCount(10, 900_000) // true: a PT15M reading and 9 others
 * hourNeedsInstantaneousCount(1, 900_000) // false: the PT15M reading alone
 * hourNeedsInstantaneousCount(9, 0) // false: instantaneous readings only
 * hourNeedsInstantaneousCount(2, 2_700_000) // false: 45 min averaged, valid either way
 */
export function hourNeedsInstantaneousCount(validCount: number, validPeriodMs: number): boolean {
  return validPeriodMs > 0 && validPeriodMs < MIN_SAMPLING_PER_HOUR_MS && validCount >= 2;
}

/**
 * Whether an hour's aggregate has enough sampling for a valid 1-h mean (≥ 45 min credited by
 * {@link hourSampledMs}); false with no valid reading.
 *
 * @example
 * hourHasEnoughSampling(1, 0, 300_000) // false (5 min)
 * hourHasEnoughSampling(9, 0, 300_000) // true (45 min)
 */
export function hourHasEnoughSampling(
  validCount: number,
  validPeriodMs: number,
  reportingIntervalMs: number,
  instantaneousCount = 0,
): boolean {
  return (
    validCount > 0 &&
    hourSampledMs(validCount, validPeriodMs, reportingIntervalMs, instantaneousCount) >=
      MIN_SAMPLING_PER_HOUR_MS
  );
}

/**
 * GB 3095 Table 4: a daily (24-h) mean is valid with ≥ 20 hourly means in the natural day.
 *
 * @example
 * dailyMeanValidity(20).valid // true
 */
export function dailyMeanValidity(hourlyMeans: number): ValidityVerdict {
  checkCount(hourlyMeans, 24, "hourlyMeans");
  return verdict("daily-mean", hourlyMeans >= 20, `${hourlyMeans} of 24 hourly means; needs ≥ 20`);
}

/**
 * GB 3095 Table 4: an 8-h (O3) mean is valid with ≥ 6 of its 8 hourly means.
 *
 * @example
 * eightHourMeanValidity(5).valid // false
 */
export function eightHourMeanValidity(hourlyMeans: number): ValidityVerdict {
  checkCount(hourlyMeans, 8, "hourlyMeans");
  return verdict("eight-hour-mean", hourlyMeans >= 6, `${hourlyMeans} of 8 hourly means; needs ≥ 6`);
}

/**
 * HJ 663 §6.1.2: the O3 daily maximum 8-h mean is valid with ≥ 14 valid windows of the 17, or
 * with fewer when the maximum exceeds the concentration limit (compared exactly).
 *
 * @example
 * o3DailyMax8hValidity(12, 170, 160).valid // true — fewer windows but above the limit
 * o3DailyMax8hValidity(12, 150, 160).valid // false
 */
export function o3DailyMax8hValidity(
  validWindows: number,
  dailyMax: number | null,
  limit: number,
): ValidityVerdict {
  checkCount(validWindows, 17, "validWindows");
  if (validWindows >= 14)
    return verdict("o3-daily-max-8h", true, `${validWindows} of 17 valid 8-h windows; needs ≥ 14`);
  const above =
    dailyMax !== null && compareDecimal(decimalOf(dailyMax, "dailyMax"), decimalOf(limit, "limit")) > 0;
  return verdict(
    "o3-daily-max-8h",
    above,
    above
      ? `${validWindows} of 17 valid 8-h windows, but the maximum ${dailyMax} exceeds the ${limit} limit`
      : `${validWindows} of 17 valid 8-h windows; needs ≥ 14 (or a maximum above the ${limit} limit)`,
  );
}

/**
 * The HJ 633-2012 daily report's O3 daily maximum 1-h mean (HJ 633-2012 §3.1): valid with ≥ 20
 * valid hourly means in the natural day, or with fewer when the maximum exceeds the 1-h limit
 * (compared exactly) — a local rule by analogy with GB 3095 Table 4 and HJ 663 §6.1.2, the one the
 * API's /aqi and the evaluator's daily AQI both apply.
 *
 * @example
 * o3DailyMax1hValidity(15, 230, 200).valid // true — fewer hours but above the limit
 * o3DailyMax1hValidity(15, 180, 200).valid // false
 */
export function o3DailyMax1hValidity(
  validHours: number,
  dailyMax: number | null,
  limit: number,
): ValidityVerdict {
  checkCount(validHours, 24, "validHours");
  if (dailyMax === null || validHours === 0)
    return verdict("o3-daily-max-1h", false, `${validHours} valid hourly means; needs ≥ 20`);
  if (validHours >= 20)
    return verdict("o3-daily-max-1h", true, `${validHours} of 24 valid hourly means; needs ≥ 20`);
  const above = compareDecimal(decimalOf(dailyMax, "dailyMax"), decimalOf(limit, "limit")) > 0;
  return verdict(
    "o3-daily-max-1h",
    above,
    above
      ? `${validHours} valid hourly means, but the maximum ${dailyMax} exceeds the ${limit} limit`
      : `${validHours} valid hourly means; needs ≥ 20 (or a maximum above the ${limit} limit)`,
  );
}

/**
 * Days in a month of the Gregorian calendar (month 1–12).
 *
 * @example
 * daysInMonth(2028, 2) // 29
 */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Minimum valid daily means in a month: 27, or 25 in February (GB 3095 Table 4; HJ 663).
 *
 * @example
 * monthlyMinimum(2) // 25
 */
export function monthlyMinimum(month: number): number {
  return month === 2 ? 25 : 27;
}

function checkYearMonth(year: number, month: number): void {
  if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`year: got ${String(year)}`);
  if (!Number.isInteger(month) || month < 1 || month > 12)
    throw new RangeError(`month: expected 1…12, got ${String(month)}`);
}

/**
 * Monthly mean validity: ≥ 27 daily means (≥ 25 in February). PROVISIONAL — HJ 663 not read,
 * medium confidence (air-aqi.md §8).
 *
 * @example
 * monthlyMeanValidity(2026, 2, 25).valid // true
 */
export function monthlyMeanValidity(year: number, month: number, dailyMeans: number): ValidityVerdict {
  checkYearMonth(year, month);
  checkCount(dailyMeans, daysInMonth(year, month), "dailyMeans");
  const min = monthlyMinimum(month);
  return verdict(
    "monthly-mean",
    dailyMeans >= min,
    `${dailyMeans} of ${daysInMonth(year, month)} daily means in ${year}-${String(month).padStart(2, "0")}; needs ≥ ${min}`,
  );
}

/**
 * GB 3095 Table 4: an annual mean is valid with ≥ 324 daily means in the year and ≥ 27 in every
 * month (≥ 25 in February). `dailyMeansByMonth` holds the 12 monthly counts, January first.
 *
 * @example
 * annualMeanValidity(2025, Array(12).fill(27)).valid // true (324 days)
 */
export function annualMeanValidity(year: number, dailyMeansByMonth: readonly number[]): ValidityVerdict {
  if (dailyMeansByMonth.length !== 12)
    throw new RangeError(`dailyMeansByMonth: expected 12 monthly counts, got ${dailyMeansByMonth.length}`);
  checkYearMonth(year, 1);
  const short: string[] = [];
  let total = 0;
  dailyMeansByMonth.forEach((count, i) => {
    checkCount(count, daysInMonth(year, i + 1), `dailyMeansByMonth[${i}]`);
    total += count;
    if (count < monthlyMinimum(i + 1)) short.push(`${year}-${String(i + 1).padStart(2, "0")} has ${count}`);
  });
  const reasons: string[] = [];
  if (total < 324) reasons.push(`${total} daily means in the year; needs ≥ 324`);
  if (short.length > 0) reasons.push(`months below their minimum (27, February 25): ${short.join(", ")}`);
  return verdict(
    "annual-mean",
    reasons.length === 0,
    reasons.length === 0 ? `${total} daily means, every month at its minimum` : reasons.join("; "),
  );
}
