import { gradeNoi } from "@qingshan/standards";
import { aggregate, type ValidityRules } from "./aggregate.ts";
import type { Every, HourSeries, PeriodValue } from "./types.ts";

export type NoiGrade = ReturnType<typeof gradeNoi>;

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

export interface NoiPeriod extends PeriodValue {
  /** Grade of the period mean; null when the period is not valid. */
  readonly grade: NoiGrade | null;
}

/**
 * NOI grade of each period mean (grading applies to means, never to single readings). `intervalMs`:
 * the site's interval between NOI readings (reportingIntervalOf), as for aggregate.
 *
 * @example
 * noiGrades(noi, from, to, "1d") // → [{ label: "2026-11-29", value: 1350, grade: { grade: "I", … } }]
 */
export function noiGrades(
  series: HourSeries,
  from: number,
  to: number,
  every: Every,
  scheme?: Parameters<typeof gradeNoi>[1],
  intervalMs?: number,
): NoiPeriod[] {
  return aggregate(series, from, to, every, "mean", NOI_VALIDITY, "noi", intervalMs).map((p) => ({
    ...p,
    grade: p.valid && p.value !== null ? gradeNoi(p.value, scheme) : null,
  }));
}
