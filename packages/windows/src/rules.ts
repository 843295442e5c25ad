import { type MetricId, metricInSentence } from "@qingshan/domain";
import {
  citeValidityRule,
  type DailyMinimum,
  HJ633_2026_EFFECTIVE_DATE,
  MIN_SAMPLING_PER_HOUR_MS,
  scaledDailyRule,
  type ValidityRuleId,
} from "@qingshan/standards";

// GB 3095-2012 / GB 3095-2026 Table 4 (identical in both editions): 1-h mean needs ≥ 45 min of sampling
// (SO2, NO2, CO, O3; Qingshan applies every Table 4 / HJ 663 minimum to the metrics they do not list
// as a local rule by analogy, and the rule texts say so). @qingshan/standards' constant.
export { MIN_SAMPLING_PER_HOUR_MS };
// GB 3095 Table 4: 8-h (O3) mean needs ≥ 6 hourly means within the 8 h.
export const MIN_HOURS_8H = 6;
// GB 3095 Table 4: 24-h (daily) mean needs ≥ 20 hourly means.
export const MIN_HOURS_24H = 20;
// HJ 663-2013 / HJ 663-2026 §6.1.2: ≥ 14 valid 8-h means among the 17 windows of the day.
export const MIN_WINDOWS_DAILY_MAX_8H = 14;
export const WINDOWS_PER_DAY_8H = 17;
// GB 3095 Table 4: annual mean needs ≥ 324 daily means (and ≥ 27 a month, ≥ 25 in February).
export const MIN_DAYS_YEAR = 324;
// GB 3095-2012 / GB 3095-2026 Table 1 Grade II: O3 daily maximum 8-h mean limit, µg/m³.
export const DEFAULT_DAILY_MAX_8H_LIMIT = 160;

/**
 * Edition that governs a period, keyed on the Beijing date of the period's END (air-aqi.md,
 * "Read this first": GB 3095-2026, HJ 663-2026 and HJ 633-2026 are in force from 2026-03-01).
 */
function is2026(endDate: string): boolean {
  return endDate >= HJ633_2026_EFFECTIVE_DATE;
}

/**
 * `standard` when it lists `metric` for the rule, else a local rule applying it by analogy (the
 * API's wording, services/api/src/series/rule-source.ts).
 */
function source(rule: ValidityRuleId, metric: MetricId, standard: string): string {
  return citeValidityRule(rule, metric, metricInSentence(metric), standard);
}

export function hourRule(endDate: string, metric: MetricId): string {
  const std = `GB 3095-${is2026(endDate) ? "2026" : "2012"} Table 4`;
  return `${source("hourly-mean", metric, std)}: 1-h mean needs ≥ 45 min of sampling in the hour`;
}

/**
 * `dayMin`: the metric's daily minimum (@qingshan/standards dailyMinimum, the API's function): a
 * metric sampled less often than hourly gets the scaled local rule's text.
 */
export function rollingRule(hours: 8 | 24, endDate: string, metric: MetricId, dayMin?: DailyMinimum): string {
  const std = `GB 3095-${is2026(endDate) ? "2026" : "2012"} Table 4`;
  if (hours === 8)
    return `${source("eight-hour-mean", metric, std)}: 8-h mean needs ≥ ${MIN_HOURS_8H} hourly means`;
  const scaled = dayMin && scaledDailyRule(dayMin, metricInSentence(metric), std, "24-h mean");
  return scaled ?? `${source("daily-mean", metric, std)}: 24-h mean needs ≥ ${MIN_HOURS_24H} hourly means`;
}

export function dayRule(date: string, metric: MetricId, dayMin?: DailyMinimum): string {
  const std = `GB 3095-${is2026(date) ? "2026" : "2012"} Table 4`;
  const scaled = dayMin && scaledDailyRule(dayMin, metricInSentence(metric), std);
  return scaled ?? `${source("daily-mean", metric, std)}: daily mean needs ≥ ${MIN_HOURS_24H} hourly means`;
}

export function dailyMax8hRule(date: string, limit: number, metric: MetricId): string {
  const std = `HJ 663-${is2026(date) ? "2026" : "2013"} §6.1.2`;
  return `${source("o3-daily-max-8h", metric, std)}: ≥ ${MIN_WINDOWS_DAILY_MAX_8H} valid 8-h means among the ${WINDOWS_PER_DAY_8H} ending 08:00…24:00, or a maximum above ${limit}`;
}

export function monthRule(lastDate: string, metric: MetricId): string {
  const std = `HJ 663-${is2026(lastDate) ? "2026" : "2013"}`;
  let cited = source("monthly-mean", metric, std);
  if (cited === std) cited = `${std} (provisional, not read)`;
  return `${cited}: monthly mean needs ≥ 27 daily means (≥ 25 in February)`;
}

export function yearRule(year: number, metric: MetricId): string {
  const std = `GB 3095-${is2026(`${year}-12-31`) ? "2026" : "2012"} Table 4`;
  return `${source("annual-mean", metric, std)}: annual mean needs ≥ ${MIN_DAYS_YEAR} daily means and ≥ 27 in every month (≥ 25 in February)`;
}

/** The hour and rolling-window texts of one metric by edition, built once (see ruleTextsFor). */
export interface RuleTexts {
  hour(is2026: boolean): string;
  rolling(hours: 8 | 24, is2026: boolean): string;
}

const BEFORE_2026 = "2012-01-01";
const textsByMetric = new Map<string, RuleTexts>();

/**
 * The rule texts of hours and rolling windows of `metric` by edition, built once per metric:
 * hour() and rolling() are called for every rule evaluation (formatting the date for each call cost
 * ~10 % of the evaluator's CPU). `is2026` as for is2026(end date) — see is2026Day in series-windows.ts.
 * `dayMin` as for rollingRule (keyed with the metric: one entry per metric and sampling rate).
 */
export function ruleTextsFor(metric: MetricId, dayMin?: DailyMinimum): RuleTexts {
  const key = dayMin?.everyHours === undefined ? metric : `${metric}/${dayMin.everyHours}`;
  const known = textsByMetric.get(key);
  if (known) return known;
  const after = HJ633_2026_EFFECTIVE_DATE;
  const hour = [hourRule(BEFORE_2026, metric), hourRule(after, metric)] as const;
  const r8 = [rollingRule(8, BEFORE_2026, metric), rollingRule(8, after, metric)] as const;
  const r24 = [rollingRule(24, BEFORE_2026, metric, dayMin), rollingRule(24, after, metric, dayMin)] as const;
  const texts: RuleTexts = {
    hour: (is2026) => hour[is2026 ? 1 : 0],
    rolling: (hours, is2026) => (hours === 8 ? r8 : r24)[is2026 ? 1 : 0],
  };
  textsByMetric.set(key, texts);
  return texts;
}
