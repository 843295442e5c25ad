import { DAY_MS, type MetricId } from "@qingshan/domain";
import { assessSection, gb3838Item } from "@qingshan/standards";
import { AIR_VALIDITY, type Average, aggregate, dailyMean } from "./aggregate.ts";
import { periods } from "./calendar.ts";
import { hydrogenIonMeanPh, mean } from "./mean.ts";
import type { Every, HourSeries, PeriodValue } from "./types.ts";

export type SectionAssessment = ReturnType<typeof assessSection>;

/** The class of a water section over one period. */
export interface WaterPeriod {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  /**
   * Period value of each parameter that has a valid one: the /series mean of the same period, but
   * for pH averaged as `phAveraging` says (through [H+] by default, unlike /series).
   */
  readonly means: Partial<Record<MetricId, number>>;
  /**
   * Valid items behind each parameter's period value, as /series `validCount`: readings (1h),
   * hourly means (1d), daily means (1mo), monthly means (1y).
   */
  readonly counts: Partial<Record<MetricId, number>>;
  /** Parameters measured but without a valid period value, each with why: not assessed. */
  readonly invalidParameters: Partial<Record<MetricId, string>>;
  /** Null unless the period is valid: a class without all its deciding parameters is not known. */
  readonly assessment: SectionAssessment | null;
  readonly valid: boolean;
  readonly reason?: string;
}

export interface WaterSection {
  readonly waterBody: "river" | "lake";
  readonly targetClass?: "I" | "II" | "III" | "IV" | "V";
}

interface ParameterValue {
  readonly value: number | null;
  readonly valid: boolean;
  readonly validCount: number;
  readonly reason?: string;
}

/** How the period means of pH that decide the class are taken (setting `water.phAveraging`). */
export const PH_AVERAGING = ["hydrogen-ion", "arithmetic"] as const;
export type PhAveraging = (typeof PH_AVERAGING)[number];

// Standards README, Review notes, Water statistics: 环办监测函〔2020〕82号 averages automatic-station pH through [H+] before classing (not read in full: provisional).
export const DEFAULT_PH_AVERAGING: PhAveraging = "hydrogen-ion";

/** Options of the water class computations. */
export interface WaterClassOptions {
  /** Default DEFAULT_PH_AVERAGING ("hydrogen-ion"). */
  readonly phAveraging?: PhAveraging;
}

/** The pH averaging in force, as /water/class and /compliance/water state it. */
export interface PhAveragingLabel {
  readonly method: PhAveraging;
  readonly rule: string;
  /** Always true: the rule's source has not been confirmed yet. */
  readonly provisional: true;
}

const PH_AVERAGING_RULES: Record<PhAveraging, string> = {
  "hydrogen-ion":
    "环办监测函〔2020〕82号 (provisional): pH period means through the hydrogen-ion concentration, −log10 of the mean of 10^−pH — the day's from its hourly means, the month's from its daily means, the year's from its monthly means",
  arithmetic:
    "arithmetic mean of pH values, as set (water.phAveraging); 环办监测函〔2020〕82号 (provisional) averages pH through the hydrogen-ion concentration instead",
};

/**
 * The label of a pH averaging.
 *
 * @example
 * phAveragingLabel("hydrogen-ion") // { method: "hydrogen-ion", rule: "环办监测函〔2020〕82号 (provisional): …", provisional: true }
 */
export function phAveragingLabel(method: PhAveraging = DEFAULT_PH_AVERAGING): PhAveragingLabel {
  return { method, rule: PH_AVERAGING_RULES[method], provisional: true };
}

/** How a metric's period means are taken: pH per `phAveraging`, every other metric arithmetically. */
function averageOf(metric: MetricId, options: WaterClassOptions): Average {
  return metric === "ph" && (options.phAveraging ?? DEFAULT_PH_AVERAGING) === "hydrogen-ion"
    ? hydrogenIonMeanPh
    : mean;
}

/** Whether a metric is one of the items whose worst class is the section class (not reference, not unclassed). */
function decidesClass(metric: MetricId): boolean {
  return gb3838Item(metric)?.role === "assessed";
}

/**
 * Each parameter's interval between readings (registry: reportingIntervalOf), for the daily
 * minimum of the parameters measured less often than hourly; a parameter not listed is taken
 * as hourly.
 */
export type ParameterIntervals = Partial<Record<MetricId, number>>;

/**
 * Period value of each parameter with the validity /series applies (aggregate: a day needs ≥ 20
 * valid hourly means — for a parameter measured less often than hourly, per `intervalsMs`, the
 * same share of its samples, e.g. 5 of 6 every 4 h — a month ≥ 27 valid days, 25 in February;
 * see aggregate.ts and rule-source.ts), then the section class by the single-factor method via
 * `assessSection`.
 * A parameter without a valid period value is not assessed and listed with its reason; the
 * period's class is valid only when every class-deciding parameter the station measures has one.
 * pH's day and month means are taken as `options.phAveraging` says (through [H+] by default); an
 * hour's value is the store's mean of its readings.
 *
 * @example
 * waterClasses(new Map([["nh3n", nh3n], ["do", dox]]), from, to, "1d", { waterBody: "river" })
 * // → [{ label: "2026-11-29", valid: true, means: { nh3n: 1.2, do: 6.1 }, assessment: { class: "IV", … } }]
 */
export function waterClasses(
  series: ReadonlyMap<MetricId, HourSeries>,
  from: number,
  to: number,
  every: Every,
  section: WaterSection,
  intervalsMs: ParameterIntervals = {},
  options: WaterClassOptions = {},
): WaterPeriod[] {
  const byMetric = new Map<MetricId, PeriodValue[]>();
  for (const [metric, hours] of series) {
    byMetric.set(
      metric,
      aggregate(
        hours,
        from,
        to,
        every,
        "mean",
        AIR_VALIDITY,
        metric,
        intervalsMs[metric],
        averageOf(metric, options),
      ),
    );
  }
  return periods(from, to, every).map((period, i) => {
    const values = new Map<MetricId, ParameterValue>();
    for (const [metric, list] of byMetric) {
      const value = list[i];
      if (value) values.set(metric, value);
    }
    return classOfPeriod(period, values, section);
  });
}

/**
 * The class of a section over one 24-h window [start, end) that need not be a calendar day (e.g.
 * the last 24 h): each parameter's value is the mean of its valid hourly means, valid with ≥ 20 of
 * them (dailyMean, the /series daily minimum; scaled for a parameter measured less often than
 * hourly, per `intervalsMs`); pH as `options.phAveraging` says.
 *
 * @example
 * waterClassOf(series, { start: end - DAY_MS, end, label: "24h" }, { waterBody: "river", targetClass: "III" })
 */
export function waterClassOf(
  series: ReadonlyMap<MetricId, HourSeries>,
  window: { readonly start: number; readonly end: number; readonly label: string },
  section: WaterSection,
  intervalsMs: ParameterIntervals = {},
  options: WaterClassOptions = {},
): WaterPeriod {
  if (window.end - window.start !== DAY_MS)
    throw new RangeError(`waterClassOf: a 24-h window, got ${window.end - window.start} ms`);
  const values = new Map<MetricId, ParameterValue>();
  for (const [metric, hours] of series) {
    const day = dailyMean(
      hours,
      window.start,
      window.end,
      AIR_VALIDITY,
      metric,
      intervalsMs[metric],
      averageOf(metric, options),
    );
    values.set(metric, {
      value: day.value,
      valid: day.valid,
      validCount: day.validHours,
      ...(day.reason ? { reason: day.reason } : {}),
    });
  }
  return classOfPeriod(window, values, section);
}

/**
 * The class of a section over one calendar month or year from its start to `period.end` (a month
 * or year to date: `series` must hold no hours after `period.end`). A month is valid as in
 * /series; a year's value of a parameter is the mean of its valid monthly means
 * (water-gb3838.md §4 "Periods": annual = mean of the monthly samples), valid when every month
 * that has ended by `period.end` is valid (GB 3095 Table 4's annual "≥ 27 in every month",
 * applied to water as a local rule) and at least one month is. pH's means (day, month, year) are
 * taken as `options.phAveraging` says.
 *
 * @example
 * waterClassToDate(series, { start: yearStart, end: lastMidnight, label: "2026" }, "1y", { waterBody: "river", targetClass: "III" })
 */
export function waterClassToDate(
  series: ReadonlyMap<MetricId, HourSeries>,
  period: { readonly start: number; readonly end: number; readonly label: string },
  step: "1mo" | "1y",
  section: WaterSection,
  intervalsMs: ParameterIntervals = {},
  options: WaterClassOptions = {},
): WaterPeriod {
  const values = new Map<MetricId, ParameterValue>();
  for (const [metric, hours] of series) {
    const average = averageOf(metric, options);
    const months = aggregate(
      hours,
      period.start,
      period.end,
      "1mo",
      "mean",
      AIR_VALIDITY,
      metric,
      intervalsMs[metric],
      average,
    );
    const value = step === "1mo" ? months[0] : yearValue(months, period.end, average);
    if (value) values.set(metric, value);
  }
  return classOfPeriod(period, values, section);
}

/** A year's value from its months; undefined when the span holds no month. */
function yearValue(
  months: readonly PeriodValue[],
  end: number,
  average: Average,
): ParameterValue | undefined {
  if (months.length === 0) return undefined;
  const valid = months.filter((m) => m.valid && m.value !== null);
  const shortEnded = months.filter((m) => m.end <= end && !m.valid);
  const n = valid.length;
  if (n === 0 || shortEnded.length > 0) {
    const short = (shortEnded.length > 0 ? shortEnded : months).map((m) => `${m.label}: ${m.reason}`);
    return { value: null, valid: false, validCount: n, reason: `no valid year value (${short.join("; ")})` };
  }
  return { value: average(valid.map((m) => m.value as number)), valid: true, validCount: n };
}

function classOfPeriod(
  period: { readonly start: number; readonly end: number; readonly label: string },
  values: ReadonlyMap<MetricId, ParameterValue>,
  section: WaterSection,
): WaterPeriod {
  const means: Partial<Record<MetricId, number>> = {};
  const counts: Partial<Record<MetricId, number>> = {};
  const invalidParameters: Partial<Record<MetricId, string>> = {};
  for (const [metric, v] of values) {
    counts[metric] = v.validCount;
    if (v.valid && v.value !== null) means[metric] = v.value;
    else invalidParameters[metric] = v.reason ?? "no valid value in the period";
  }
  const base = { ...period, means, counts, invalidParameters };
  if (values.size === 0) {
    return { ...base, assessment: null, valid: false, reason: "no parameter has data in the period" };
  }
  // 环办〔2011〕22号 (water-gb3838.md §4): the section class is the worst class of the assessed items, so without one of them it is not known.
  const missing = [...values.keys()].filter((m) => decidesClass(m) && means[m] === undefined);
  if (missing.length > 0) {
    return {
      ...base,
      assessment: null,
      valid: false,
      reason: `not assessed: ${missing.map((m) => `${m} (${invalidParameters[m]})`).join("; ")}`,
    };
  }
  // Only GB 3838 items go to the assessment; a sub-zero water temperature (reference item,
  // never decides the class) is left out because the table has no negative values.
  const assessed: Record<string, number> = {};
  for (const [metric, value] of Object.entries(means)) {
    if (gb3838Item(metric) !== undefined && value >= 0) assessed[metric] = value;
  }
  const assessment = assessSection({
    waterBody: section.waterBody,
    ...(section.targetClass ? { targetClass: section.targetClass } : {}),
    values: assessed,
  });
  if (assessment.class === null) {
    return { ...base, assessment: null, valid: false, reason: "no class-deciding parameter measured" };
  }
  return { ...base, assessment, valid: true };
}
