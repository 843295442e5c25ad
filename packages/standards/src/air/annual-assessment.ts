/**
 * Annual air-quality assessment statistics (年评价, HJ 663): annual means of SO2, NO2, PM10 and
 * PM2.5, the 98th percentile of the daily means of SO2 and NO2, the 95th percentile of the daily
 * means of PM10, PM2.5 and CO, and the 90th percentile of the O3 daily maximum 8-h means, each
 * against its GB 3095 limit (air-aqi.md §6, §8).
 *
 * Percentile formula: HJ 663-2013 Appendix A (normative, 数据统计方法). The standard's own text was
 * not read; the formula and its example ({3, 4, 8, 2, 5, 4} → 90th percentile 6.5) are as a
 * secondary source states them: a CSDN blog post on the percentile of pollutant series (user
 * weixin_44237659, article 124068041, read through the mirror
 * https://blog.youkuaiyun.com/weixin_44237659/article/details/124068041), worded as a standard is
 * ("s — k 的整数部分，当 k 为整数时，s 与 k 相等"); two public HJ 663 statistics programs state or
 * compute the same. Whether HJ 663-2026 changed it is not known: the same formula is used for every
 * year. No HJ 663 rounding rule for the assessed statistics was found: values are returned
 * unrounded and compared with the limit exactly.
 */
import {
  addExact,
  compareExact,
  divideExact,
  type ExactInput,
  type ExactNumber,
  exactMean,
  exactOf,
  exactToNumber,
  multiplyExact,
  subtractExact,
} from "./exact.ts";
import { type Gb3095Averaging, type Gb3095Grade, gb3095Limit } from "./gb3095.ts";
import type { Pollutant } from "./types.ts";
import { annualMeanValidity } from "./validity.ts";

/** Where the percentile formula comes from, as every result states it. */
export const HJ663_PERCENTILE_METHOD = {
  formula:
    "k = 1 + (n − 1) × p%; m_p = X(s) + (X(s+1) − X(s)) × (k − s), s the integer part of k (X sorted ascending, 1-based)",
  source: "HJ 663-2013 Appendix A (normative, 数据统计方法)",
  readFrom:
    "secondary source: https://blog.youkuaiyun.com/weixin_44237659/article/details/124068041 (a CSDN blog post, mirrored, on the percentile of pollutant concentration series); to be confirmed against the text of HJ 663-2013 (and HJ 663-2026)",
  rounding:
    "none: no HJ 663 rounding rule for assessed statistics was found, so values are unrounded and compared with the limit exactly",
} as const;

/** Position and value of an HJ 663 percentile. */
export interface Hj663Percentile {
  /** The percentile, nearest double of the exact value (decide on `exact`). */
  readonly value: number;
  readonly exact: ExactNumber;
  /** Values used (the nulls — invalid days — left out). */
  readonly n: number;
  /** Ordinal position k = 1 + (n − 1)·p/100 (1-based). */
  readonly k: number;
  /** Integer part of k. */
  readonly s: number;
}

/**
 * The p-th percentile of `values` by HJ 663-2013 Appendix A: sort ascending, k = 1 + (n − 1)·p%,
 * m_p = X(s) + (X(s+1) − X(s))·(k − s) with s the integer part of k (X(s) alone when k = n).
 * Computed exactly on the values' shortest decimals. `null` entries (invalid days) are left out;
 * null when no value remains. Throws RangeError for p outside 0…100 or a non-finite value.
 *
 * @example
 * hj663Percentile([3, 4, 8, 2, 5, 4], 90)?.value // 6.5 (k = 5.5: 5 + (8 − 5) × 0.5)
 * hj663Percentile([12, null, 40], 95)?.value // 38.6 (n = 2, k = 1.95)
 */
export function hj663Percentile(values: readonly (ExactInput | null)[], p: number): Hj663Percentile | null {
  if (typeof p !== "number" || !Number.isFinite(p) || p < 0 || p > 100)
    throw new RangeError(`p: expected a percentile 0…100, got ${String(p)}`);
  const sorted = values
    .filter((v): v is ExactInput => v !== null)
    .map((v, i) => exactOf(v, `values[${i}]`))
    .sort(compareExact);
  const n = sorted.length;
  if (n === 0) return null;
  // HJ 663-2013 Appendix A: k = 1 + (n − 1) × p%
  const position = addExact(1, multiplyExact(n - 1, divideExact(p, 100)));
  const s = Number(position.numerator / position.denominator);
  const xs = sorted[s - 1] as ExactNumber;
  // HJ 663-2013 Appendix A: m_p = X(s) + (X(s+1) − X(s)) × (k − s); k = n gives X(n)
  const exact =
    s >= n
      ? xs
      : addExact(xs, multiplyExact(subtractExact(sorted[s] as ExactNumber, xs), subtractExact(position, s)));
  return { value: exactToNumber(exact), exact, n, k: exactToNumber(position), s };
}

/** The ten statistics of the annual assessment. */
export type AnnualStatisticId =
  | "so2_annual"
  | "so2_24h_p98"
  | "no2_annual"
  | "no2_24h_p98"
  | "pm10_annual"
  | "pm10_24h_p95"
  | "pm25_annual"
  | "pm25_24h_p95"
  | "co_24h_p95"
  | "o3_8h_p90";

interface StatisticDefinition {
  readonly id: AnnualStatisticId;
  readonly pollutant: Pollutant;
  /** null for an annual mean. */
  readonly percentile: 98 | 95 | 90 | null;
  /** What the daily values are: 24-h means, or O3 daily maximum 8-h means. */
  readonly daily: "24h" | "dailyMax8h";
  /** The GB 3095 limit the statistic is compared with. */
  readonly limit: Gb3095Averaging;
  readonly name: string;
}

// biome-ignore format: one statistic per line
/** HJ 663 annual assessment items (air-aqi.md §8), in the standard's pollutant order. */
export const HJ663_ANNUAL_STATISTICS: readonly StatisticDefinition[] = [
  { id: "so2_annual", pollutant: "so2", percentile: null, daily: "24h", limit: "annual", name: "SO2 annual mean" },
  { id: "so2_24h_p98", pollutant: "so2", percentile: 98, daily: "24h", limit: "24h", name: "SO2 98th percentile of daily means" },
  { id: "no2_annual", pollutant: "no2", percentile: null, daily: "24h", limit: "annual", name: "NO2 annual mean" },
  { id: "no2_24h_p98", pollutant: "no2", percentile: 98, daily: "24h", limit: "24h", name: "NO2 98th percentile of daily means" },
  { id: "pm10_annual", pollutant: "pm10", percentile: null, daily: "24h", limit: "annual", name: "PM10 annual mean" },
  { id: "pm10_24h_p95", pollutant: "pm10", percentile: 95, daily: "24h", limit: "24h", name: "PM10 95th percentile of daily means" },
  { id: "pm25_annual", pollutant: "pm25", percentile: null, daily: "24h", limit: "annual", name: "PM2.5 annual mean" },
  { id: "pm25_24h_p95", pollutant: "pm25", percentile: 95, daily: "24h", limit: "24h", name: "PM2.5 95th percentile of daily means" },
  { id: "co_24h_p95", pollutant: "co", percentile: 95, daily: "24h", limit: "24h", name: "CO 95th percentile of daily means" },
  { id: "o3_8h_p90", pollutant: "o3", percentile: 90, daily: "dailyMax8h", limit: "dailyMax8h", name: "O3 90th percentile of daily maximum 8-h means" },
];

/** One day's value: a valid daily mean (O3: daily maximum 8-h mean), or null for an invalid day. */
export interface AnnualDailyValue {
  /** Beijing date YYYY-MM-DD. */
  readonly date: string;
  readonly value: ExactInput | null;
}

export interface AnnualAssessmentInput {
  readonly year: number;
  /** Per pollutant, its days of the year (any order); a pollutant left out was not measured. */
  readonly daily: Partial<Record<Pollutant, readonly AnnualDailyValue[]>>;
  /** GB 3095 grade: II (class 2 areas) by default. */
  readonly grade?: Gb3095Grade;
  /** Beijing date whose GB 3095 limits apply (default the year's 31 December). */
  readonly limitDate?: string;
  /** False while the year runs: the statistics are to date and there is no verdict. Default true. */
  readonly yearEnded?: boolean;
}

export interface AnnualStatistic {
  readonly id: AnnualStatisticId;
  readonly pollutant: Pollutant;
  readonly name: string;
  readonly percentile: number | null;
  /** Unrounded (no HJ 663 rounding rule found); null without a valid day. */
  readonly value: number | null;
  readonly unit: "µg/m³" | "mg/m³";
  /** Valid daily values used (n). */
  readonly validDays: number;
  /** Days given as invalid (null), left out. */
  readonly invalidDays: number;
  /** Percentiles: the ordinal position k and its integer part s; null for a mean. */
  readonly position: { readonly k: number; readonly s: number } | null;
  readonly limit: {
    readonly value: number;
    readonly averaging: Gb3095Averaging;
    readonly source: string;
  } | null;
  /** Whether the year has enough valid days for this statistic. */
  readonly sufficientData: boolean;
  readonly validity: { readonly rule: string; readonly reason: string; readonly provisional: boolean };
  /** value > limit, compared exactly; null without sufficient data (such data must not be used). */
  readonly exceedsLimit: boolean | null;
}

export type AnnualAssessmentStatus = "met" | "not_met" | "insufficient_data" | "in_progress";

export interface AnnualAssessment {
  readonly year: number;
  readonly grade: Gb3095Grade;
  readonly statistics: readonly AnnualStatistic[];
  /**
   * met: all ten statistics have sufficient data and none exceeds its limit; not_met: one with
   * sufficient data exceeds; insufficient_data otherwise; in_progress while the year runs.
   */
  readonly status: AnnualAssessmentStatus;
  /** Statistics with sufficient data above their limit. */
  readonly exceeding: readonly AnnualStatisticId[];
}

const ANNUAL_RULE =
  "GB 3095 Table 4: an annual mean needs ≥ 324 valid daily means and ≥ 27 in every month (25 in February)";
const PERCENTILE_RULE =
  "local rule by analogy: GB 3095 Table 4's annual minimum (≥ 324 valid days, ≥ 27 in every month, 25 in February) applied to the percentile (provisional: HJ 663's own minimum for percentile statistics is not applied)";

/**
 * The HJ 663 annual assessment of one station (or district) from its daily values: the ten
 * statistics of `HJ663_ANNUAL_STATISTICS`, unrounded, each with its valid-day count, whether the
 * year has enough valid days, and its GB 3095 limit (Grade II unless `grade` says I). Invalid
 * days (null) are left out. Throws RangeError for a date outside `year`.
 *
 * @example
 * const days = Array.from({ length: 365 }, (_, i) => ({ date: dateOf(2025, i), value: 50 }));
 * assessAnnualAir({ year: 2025, daily: { pm25: days } }).statistics[6]
 * // { id: "pm25_annual", value: 50, validDays: 365, limit: { value: 35, … }, exceedsLimit: true, … }
 */
export function assessAnnualAir(input: AnnualAssessmentInput): AnnualAssessment {
  const { year } = input;
  const grade = input.grade ?? "II";
  const limitDate = input.limitDate ?? `${String(year).padStart(4, "0")}-12-31`;
  const prefix = `${String(year).padStart(4, "0")}-`;
  const statistics = HJ663_ANNUAL_STATISTICS.map((def): AnnualStatistic => {
    const days = input.daily[def.pollutant] ?? [];
    const values: ExactInput[] = [];
    const monthCounts = Array.from({ length: 12 }, () => 0);
    let invalidDays = 0;
    for (const day of days) {
      if (!day.date.startsWith(prefix))
        throw new RangeError(`daily.${def.pollutant}: ${day.date} is not in ${year}`);
      if (day.value === null) {
        invalidDays++;
        continue;
      }
      values.push(day.value);
      const m = Number(day.date.slice(5, 7)) - 1;
      monthCounts[m] = (monthCounts[m] ?? 0) + 1;
    }
    const validity = annualMeanValidity(year, monthCounts);
    let exact: ExactNumber | null = null;
    let position: AnnualStatistic["position"] = null;
    if (def.percentile === null) exact = exactMean(values, `daily.${def.pollutant}`);
    else {
      const pct = hj663Percentile(values, def.percentile);
      if (pct) {
        exact = pct.exact;
        position = { k: pct.k, s: pct.s };
      }
    }
    const limit = gb3095Limit(limitDate, grade, def.pollutant, def.limit);
    const sufficientData = validity.valid && exact !== null;
    return {
      id: def.id,
      pollutant: def.pollutant,
      name: def.name,
      percentile: def.percentile,
      value: exact === null ? null : exactToNumber(exact),
      unit: def.pollutant === "co" ? "mg/m³" : "µg/m³",
      validDays: values.length,
      invalidDays,
      position,
      limit: limit ? { value: limit.value, averaging: def.limit, source: limit.source } : null,
      sufficientData,
      validity: {
        rule: def.percentile === null ? ANNUAL_RULE : PERCENTILE_RULE,
        reason: days.length === 0 ? "no daily values (pollutant not measured)" : validity.reason,
        provisional: def.percentile !== null,
      },
      exceedsLimit: sufficientData && exact !== null && limit ? compareExact(exact, limit.value) > 0 : null,
    };
  });
  const exceeding = statistics.filter((s) => s.exceedsLimit === true).map((s) => s.id);
  const status: AnnualAssessmentStatus =
    input.yearEnded === false
      ? "in_progress"
      : exceeding.length > 0
        ? "not_met"
        : statistics.every((s) => s.sufficientData)
          ? "met"
          : "insufficient_data";
  return { year, grade, statistics, status, exceeding };
}
