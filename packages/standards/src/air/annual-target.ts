import {
  compareExact,
  divideExact,
  type ExactInput,
  type ExactNumber,
  exactOf,
  exactToNumber,
  multiplyExact,
  roundExactHalfEven,
  subtractExact,
} from "./exact.ts";
import { monthlyMinimum } from "./validity.ts";

/**
 * on_track / at_risk / exceeded while the year runs; met / not_met once it has ended (no day
 * remains): the final verdict on the annual mean; no_data without a valid daily mean.
 */
export type AnnualTargetStatus = "on_track" | "at_risk" | "exceeded" | "met" | "not_met" | "no_data";

export interface AnnualTargetInput {
  /**
   * Sum of the valid daily means so far this year (µg/m³). Exact: a number stands for its shortest
   * decimal (`String(value)`, so pass a sum without floating-point noise), an ExactNumber for itself
   * — the exact sum of daily means that are themselves exact means of hourly values (exactMean).
   */
  readonly sumOfDailyMeans: ExactInput;
  readonly validDays: number;
  /**
   * Days of the year whose daily means were counted: the completed Beijing days (a day counts once
   * it has ended; today is not one of them). The remaining daysInYear − elapsedDays days, today
   * included, are those requiredMeanForRest speaks of.
   */
  readonly elapsedDays: number;
  /** 365 or 366. */
  readonly daysInYear: number;
  /** The annual target, e.g. LIANDU_PM25_ANNUAL_TARGET.value (32). */
  readonly target: number;
  /** Year-to-date means above target × (1 − margin) are "at risk"; default 0.1. */
  readonly atRiskMargin?: number;
  /**
   * Valid daily means per Beijing month so far, January first (12 counts). With them
   * `validityAttainable` also checks GB 3095 Table 4's monthly minimums; without, only the 324.
   */
  readonly monthCounts?: readonly number[];
}

/**
 * The annual means that meet a target when the mean is reported as an integer (GB/T 8170
 * half-even): those below `value`, and `value` itself when `inclusive`. For target 32: up to and
 * including 32.5 (→ 32); for target 33: below 33.5 (33.5 → 34).
 */
export interface RoundingThreshold {
  readonly value: number;
  readonly inclusive: boolean;
}

export interface AnnualTargetAssessment {
  readonly status: AnnualTargetStatus;
  /** Year-to-date mean of valid daily means, rounded to an integer (GB/T 8170 half-even on the exact mean, as reported); null without data. */
  readonly ytdMean: number | null;
  /** The exact mean as the nearest double (for display: the verdict is taken on the exact value). */
  readonly unroundedYtdMean: number | null;
  readonly validDays: number;
  readonly target: number;
  /** Up to which exact annual mean the target is met (annualTargetThreshold). */
  readonly roundingThreshold: RoundingThreshold;
  /**
   * Mean the remaining days of the year (assumed all valid) must keep for the annual mean to meet
   * the target: at most this when `roundingThreshold.inclusive`, below it otherwise (the annual
   * mean then stays within the rounding threshold); null when no day remains. Negative (or zero
   * with an exclusive threshold): the target can no longer be met.
   */
  readonly requiredMeanForRest: number | null;
  /**
   * Whether the valid daily means counted meet GB 3095 Table 4's minimum for an annual mean: ≥ 324
   * and, with `monthCounts`, ≥ 27 in every month (25 in February) — the test of
   * assessAnnualAir's `sufficientData` (annualMeanValidity), so both say the same of a year. For a
   * closed year: whether its annual mean is valid (then equal to `validityAttainable`). While the
   * year runs it stays false until the days so far reach those minimums (in December at the
   * earliest); the projection is `sufficientDataProRata`.
   */
  readonly sufficientData: boolean;
  /**
   * Whether the valid days so far are at least the pro-rata share of Table 4's 324 of 365
   * (⌈elapsedDays · 324 / 365⌉): a projection of the day count only (not the monthly minimums),
   * meaningful while the year runs — the pm25-annual-target rule warns "at risk" only with it.
   * Not a validity test: a closed year can have it with a month below 27 days.
   */
  readonly sufficientDataProRata: boolean;
  /**
   * Whether the year's annual mean can still be valid under GB 3095 Table 4 (≥ 324 daily means and
   * ≥ 27 in every month, 25 in February) if every remaining day is valid.
   */
  readonly validityAttainable: boolean;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** One month's valid daily means against GB 3095 Table 4's monthly minimum for an annual mean. */
export interface AnnualMeanMonth {
  /** 1 … 12. */
  readonly month: number;
  readonly validDays: number;
  /** 27, or 25 in February. */
  readonly minimum: number;
  /** The most valid days the month can still reach (its valid days plus its days not yet counted). */
  readonly attainableDays: number;
}

/** How far the year's data are from a valid annual mean (GB 3095 Table 4). */
export interface AnnualMeanShortfall {
  /** 324 daily means a year. */
  readonly requiredDays: number;
  readonly validDays: number;
  /** The most valid daily means the year can still reach (valid days plus the days not yet counted). */
  readonly attainableDays: number;
  /** Per month, January first; empty without monthCounts. */
  readonly months: readonly AnnualMeanMonth[];
  /** The months that can no longer reach their minimum (1 … 12). */
  readonly shortMonths: readonly number[];
  /** Whether the annual mean can still be valid if every remaining day is valid. */
  readonly attainable: boolean;
}

/**
 * GB 3095 Table 4 for an annual mean (SO2, NO2, PM10, PM2.5, NOx): ≥ 324 daily means in the year
 * and ≥ 27 in every month (25 in February). What is there, what can still come, what is missing.
 */
export function annualMeanShortfall(
  input: Pick<AnnualTargetInput, "validDays" | "elapsedDays" | "daysInYear" | "monthCounts">,
): AnnualMeanShortfall {
  const remaining = Math.max(0, input.daysInYear - input.elapsedDays);
  // GB 3095 Table 4: ≥ 324 daily means in the year …
  const attainableDays = input.validDays + remaining;
  const months: AnnualMeanMonth[] = [];
  const counts = input.monthCounts;
  if (counts !== undefined) {
    // … and ≥ 27 in every month (25 in February): a month's days not yet elapsed may still count.
    let monthStart = 0;
    for (let i = 0; i < 12; i++) {
      const days = (MONTH_DAYS[i] as number) + (i === 1 && input.daysInYear === 366 ? 1 : 0);
      const left = days - Math.min(days, Math.max(0, input.elapsedDays - monthStart));
      const validDays = counts[i] ?? 0;
      months.push({
        month: i + 1,
        validDays,
        minimum: monthlyMinimum(i + 1),
        attainableDays: validDays + left,
      });
      monthStart += days;
    }
  }
  const shortMonths = months.filter((m) => m.attainableDays < m.minimum).map((m) => m.month);
  return {
    requiredDays: 324,
    validDays: input.validDays,
    attainableDays,
    months,
    shortMonths,
    attainable: attainableDays >= 324 && shortMonths.length === 0,
  };
}

function validityAttainable(input: AnnualTargetInput): boolean {
  return annualMeanShortfall(input).attainable;
}

/** A published verdict: an assessment's status, or no verdict because no valid annual mean can exist. */
export type AnnualTargetVerdict = AnnualTargetStatus | "insufficient_data";

/**
 * The status to publish for an assessment. GB 3095 Table 4 (air-aqi.md §7): an annual mean from
 * fewer daily means than the minimums is invalid and must not be used — so once the year can no
 * longer reach them (at year end: did not reach them), there is no verdict: "insufficient_data".
 * Otherwise the assessment's status: "exceeded" then means the target is out of reach while a valid
 * annual mean is still possible — the certain exceedance on which the pm25-annual-target rule
 * raises (packages/rules observeAnnualTarget: status "exceeded" and validityAttainable) — and
 * "met" / "not_met" are the verdict on a closed year's valid annual mean.
 *
 * @example
 * annualTargetVerdict(assessAnnualTarget({ sumOfDailyMeans: 108, validDays: 2, elapsedDays: 365, daysInYear: 365, target: 32 })) // "insufficient_data"
 */
export function annualTargetVerdict(a: AnnualTargetAssessment): AnnualTargetVerdict {
  if (a.validDays === 0) return "no_data";
  return a.validityAttainable ? a.status : "insufficient_data";
}

/**
 * The largest exact annual mean that still meets `target` once the mean is rounded to an integer
 * half-even (GB/T 8170-2008 §3.3; HJ 633-2026 §4.2.2 reports PM2.5 as an integer): with
 * F = ⌊target⌋, the means below F + 0.5 round to ≤ F, and F + 0.5 itself rounds to F when F is
 * even (inclusive) and to F + 1 when F is odd (exclusive).
 *
 * @example
 * annualTargetThreshold(32) // { value: 32.5, inclusive: true }
 * annualTargetThreshold(33) // { value: 33.5, inclusive: false }
 */
export function annualTargetThreshold(target: number): RoundingThreshold {
  if (!Number.isFinite(target) || target < 0)
    throw new RangeError(`target: expected a finite number ≥ 0, got ${String(target)}`);
  const floor = Math.floor(target);
  return { value: floor + 0.5, inclusive: floor % 2 === 0 };
}

/**
 * Year-to-date assessment of an annual-mean target (the PM2.5 32 µg/m³ of Liandu's plan).
 *
 * - The annual mean is the arithmetic mean of the year's valid daily means (GB 3095-2012 Table 4 /
 *   HJ 663 §5: annual statistics are computed from daily means), computed exactly from
 *   `sumOfDailyMeans`; reported as an integer (HJ 633-2026 §4.2.2 concentration rounding, GB/T 8170
 *   half-even on the exact value, so an exact 32.5 is 32), and compared after rounding.
 * - While days remain: "exceeded" once even a zero concentration for every remaining day could not
 *   bring the annual mean within the rounding threshold (annualTargetThreshold: 32.5 for 32);
 *   "at risk" when the rounded YTD mean is above target × (1 − margin) (so also above the target).
 * - Once the year has ended (no day remains): "met" when the rounded annual mean is ≤ target,
 *   "not_met" otherwise — the final verdict (annualTargetVerdict withholds it when the annual mean
 *   is not valid under GB 3095 Table 4).
 *
 * @example
 * assessAnnualTarget({ sumOfDailyMeans: 30 * 100, validDays: 100, elapsedDays: 100, daysInYear: 365, target: 32 }).status // "at_risk"
 * assessAnnualTarget({ sumOfDailyMeans: 32.5 * 365, validDays: 365, elapsedDays: 365, daysInYear: 365, target: 32 }).status // "met"
 */
export function assessAnnualTarget(input: AnnualTargetInput): AnnualTargetAssessment {
  const { validDays, elapsedDays, daysInYear, target } = input;
  const margin = input.atRiskMargin ?? 0.1;
  const sum = exactOf(input.sumOfDailyMeans, "sumOfDailyMeans");
  const threshold = annualTargetThreshold(target);
  const remaining = Math.max(0, daysInYear - elapsedDays);
  // (threshold · (validDays + remaining) − sum) / remaining, exactly.
  const required: ExactNumber | null =
    remaining === 0
      ? null
      : divideExact(subtractExact(multiplyExact(threshold.value, validDays + remaining), sum), remaining);
  const requiredMeanForRest = required === null ? null : exactToNumber(required);
  // GB 3095 Table 4: ≥ 324 valid daily means and ≥ 27 in every month (25 in February), on the
  // days counted — what assessAnnualAir's sufficientData tests (annualMeanValidity).
  const sufficientData =
    validDays >= 324 &&
    (input.monthCounts === undefined || input.monthCounts.every((n, i) => n >= monthlyMinimum(i + 1)));
  // The same 324 of 365 as a share of the year so far: a projection while the year runs.
  const sufficientDataProRata = validDays >= Math.ceil((elapsedDays * 324) / 365);
  const attainable = validityAttainable(input);
  const common = { validDays, target, roundingThreshold: threshold, requiredMeanForRest };
  if (validDays === 0) {
    return {
      ...common,
      status: "no_data",
      ytdMean: null,
      unroundedYtdMean: null,
      sufficientData: false,
      sufficientDataProRata: false,
      validityAttainable: attainable,
    };
  }
  const mean = divideExact(sum, validDays);
  const ytdMean = exactToNumber(roundExactHalfEven(mean));
  let status: AnnualTargetStatus;
  if (required === null) {
    status = ytdMean <= target ? "met" : "not_met";
  } else {
    const sign = compareExact(required, 0);
    // Concentrations are ≥ 0: below zero (or at zero when the threshold itself does not meet) no rest of the year helps.
    if (sign < 0 || (sign === 0 && !threshold.inclusive)) status = "exceeded";
    else if (ytdMean > target * (1 - margin)) status = "at_risk";
    else status = "on_track";
  }
  return {
    ...common,
    status,
    ytdMean,
    unroundedYtdMean: exactToNumber(mean),
    sufficientData,
    sufficientDataProRata,
    validityAttainable: attainable,
  };
}
