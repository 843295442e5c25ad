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

function validityAttainable(input: AnnualTargetInput, remaining: number): boolean {
  // GB 3095 Table 4: ≥ 324 daily means in the year …
  if (input.validDays + remaining < 324) return false;
  const counts = input.monthCounts;
  if (counts === undefined) return true;
  // … and ≥ 27 in every month (25 in February): a month's days not yet elapsed may still count.
  let monthStart = 0;
  for (let i = 0; i < 12; i++) {
    const days = (MONTH_DAYS[i] as number) + (i === 1 && input.daysInYear === 366 ? 1 : 0);
    const left = days - Math.min(days, Math.max(0, input.elapsedDays - monthStart));
    if ((counts[i] ?? 0) + left < monthlyMinimum(i + 1)) return false;
    monthStart += days;
  }
  return true;
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
  const attainable = validityAttainable(input, remaining);
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
