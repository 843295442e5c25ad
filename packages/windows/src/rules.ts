import { HJ633_2026_EFFECTIVE_DATE } from "@qingshan/standards";

// GB 3095-2012 / GB 3095-2026 Table 4 (identical in both editions): 1-h mean needs ≥ 45 min of sampling.
export const MIN_SAMPLING_PER_HOUR_MS = 45 * 60_000;
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
 * The rule texts of hours and rolling windows by edition, built once: hour() and rolling() are
 * called for every rule evaluation (formatting the date for each call cost ~10 % of the
 * evaluator's CPU). `is2026` as for is2026(end date) — see is2026Day in series-windows.ts.
 */
export function hourRuleText(is2026: boolean): string {
  return is2026 ? HOUR_RULE_2026 : HOUR_RULE_2012;
}

export function rollingRuleText(hours: 8 | 24, is2026: boolean): string {
  if (hours === 8) return is2026 ? ROLLING_8_RULE_2026 : ROLLING_8_RULE_2012;
  return is2026 ? ROLLING_24_RULE_2026 : ROLLING_24_RULE_2012;
}

export function hourRule(endDate: string): string {
  return `GB 3095-${is2026(endDate) ? "2026" : "2012"} Table 4: 1-h mean needs ≥ 45 min of sampling in the hour`;
}

export function rollingRule(hours: 8 | 24, endDate: string): string {
  const ed = is2026(endDate) ? "2026" : "2012";
  return hours === 8
    ? `GB 3095-${ed} Table 4: 8-h mean needs ≥ ${MIN_HOURS_8H} hourly means`
    : `GB 3095-${ed} Table 4: 24-h mean needs ≥ ${MIN_HOURS_24H} hourly means`;
}

export function dayRule(date: string): string {
  return `GB 3095-${is2026(date) ? "2026" : "2012"} Table 4: daily mean needs ≥ ${MIN_HOURS_24H} hourly means`;
}

export function dailyMax8hRule(date: string, limit: number): string {
  return `HJ 663-${is2026(date) ? "2026" : "2013"} §6.1.2: ≥ ${MIN_WINDOWS_DAILY_MAX_8H} valid 8-h means among the ${WINDOWS_PER_DAY_8H} ending 08:00…24:00, or a maximum above ${limit}`;
}

export function monthRule(lastDate: string): string {
  return `HJ 663-${is2026(lastDate) ? "2026" : "2013"} (provisional, not read): monthly mean needs ≥ 27 daily means (≥ 25 in February)`;
}

export function yearRule(year: number): string {
  return `GB 3095-${is2026(`${year}-12-31`) ? "2026" : "2012"} Table 4: annual mean needs ≥ ${MIN_DAYS_YEAR} daily means and ≥ 27 in every month (≥ 25 in February)`;
}

const BEFORE_2026 = "2012-01-01";
const HOUR_RULE_2012 = hourRule(BEFORE_2026);
const HOUR_RULE_2026 = hourRule(HJ633_2026_EFFECTIVE_DATE);
const ROLLING_8_RULE_2012 = rollingRule(8, BEFORE_2026);
const ROLLING_8_RULE_2026 = rollingRule(8, HJ633_2026_EFFECTIVE_DATE);
const ROLLING_24_RULE_2012 = rollingRule(24, BEFORE_2026);
const ROLLING_24_RULE_2026 = rollingRule(24, HJ633_2026_EFFECTIVE_DATE);
