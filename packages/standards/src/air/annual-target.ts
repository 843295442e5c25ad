import { decimalOf, decimalToNumber, roundDecimal } from "./decimal.ts";
import { monthlyMinimum } from "./validity.ts";

export type AnnualTargetStatus = "on_track" | "at_risk" | "exceeded" | "no_data";

export interface AnnualTargetInput {
  /** Valid daily means so far this year (µg/m³), in any order. */
  readonly sumOfDailyMeans: number;
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

export interface AnnualTargetAssessment {
  readonly status: AnnualTargetStatus;
  /** Year-to-date mean of valid daily means, rounded to an integer (GB/T 8170 half-even, as reported); null without data. */
  readonly ytdMean: number | null;
  readonly unroundedYtdMean: number | null;
  readonly validDays: number;
  readonly target: number;
  /**
   * Mean the remaining days of the year must not exceed for the annual mean to meet the target,
   * assuming they are all valid; null when no day remains. Negative: the target can no longer be met.
   */
  readonly requiredMeanForRest: number | null;
  /** Whether enough days are valid for an annual mean so far (pro rata of GB 3095 Table 4's 324/365). */
  readonly sufficientData: boolean;
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
 * raises (packages/rules observeAnnualTarget: status "exceeded" and validityAttainable).
 *
 * @example
 * annualTargetVerdict(assessAnnualTarget({ sumOfDailyMeans: 108, validDays: 2, elapsedDays: 365, daysInYear: 365, target: 32 })) // "insufficient_data"
 */
export function annualTargetVerdict(a: AnnualTargetAssessment): AnnualTargetVerdict {
  if (a.validDays === 0) return "no_data";
  return a.validityAttainable ? a.status : "insufficient_data";
}

/**
 * Year-to-date assessment of an annual-mean target (the PM2.5 32 µg/m³ of Liandu's plan).
 *
 * - The annual mean is the arithmetic mean of the year's valid daily means (GB 3095-2012 Table 4 /
 *   HJ 663 §5: annual statistics are computed from daily means); reported as an integer (HJ 633-2026
 *   §4.2.2 concentration rounding, GB/T 8170 half-even), and compared after rounding.
 * - "exceeded" once even a zero concentration for every remaining day could not bring the annual
 *   mean down to the target, or at year end when the rounded mean is above it; "at risk" when the
 *   rounded YTD mean is above target × (1 − margin) or above the target with days still to go.
 *
 * @example
 * assessAnnualTarget({ sumOfDailyMeans: 30 * 100, validDays: 100, elapsedDays: 100, daysInYear: 365, target: 32 }).status // "at_risk"
 */
export function assessAnnualTarget(input: AnnualTargetInput): AnnualTargetAssessment {
  const { sumOfDailyMeans, validDays, elapsedDays, daysInYear, target } = input;
  const margin = input.atRiskMargin ?? 0.1;
  const remaining = Math.max(0, daysInYear - elapsedDays);
  const requiredMeanForRest =
    remaining === 0 ? null : (target * (validDays + remaining) - sumOfDailyMeans) / remaining;
  // GB 3095 Table 4: 324 valid daily means of 365; the same share applies to the year so far.
  const sufficientData = validDays >= Math.ceil((elapsedDays * 324) / 365);
  const attainable = validityAttainable(input);
  if (validDays === 0) {
    return {
      status: "no_data",
      ytdMean: null,
      unroundedYtdMean: null,
      validDays,
      target,
      requiredMeanForRest,
      sufficientData: false,
      validityAttainable: attainable,
    };
  }
  const unrounded = sumOfDailyMeans / validDays;
  const ytdMean = decimalToNumber(roundDecimal(decimalOf(unrounded), 0, "half-even"));
  let status: AnnualTargetStatus;
  if ((requiredMeanForRest !== null && requiredMeanForRest < 0) || (remaining === 0 && ytdMean > target)) {
    status = "exceeded";
  } else if (ytdMean > target * (1 - margin)) {
    status = "at_risk";
  } else {
    status = "on_track";
  }
  return {
    status,
    ytdMean,
    unroundedYtdMean: unrounded,
    validDays,
    target,
    requiredMeanForRest,
    sufficientData,
    validityAttainable: attainable,
  };
}
