import type { MetricId } from "@qingshan/domain";
import { assessSection, gb3838Item } from "@qingshan/standards";
import { hourLabelsIn, periods } from "./calendar.ts";
import { validMean } from "./hourly-validity.ts";
import { mean } from "./mean.ts";
import type { Every, HourSeries } from "./types.ts";

export type SectionAssessment = ReturnType<typeof assessSection>;

/** The class of a water section over one period. */
export interface WaterPeriod {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  /** Period mean of each parameter with at least one valid hourly mean. */
  readonly means: Partial<Record<MetricId, number>>;
  /** Valid hourly means per parameter behind `means`. */
  readonly counts: Partial<Record<MetricId, number>>;
  /** Null when no parameter had a valid value in the period. */
  readonly assessment: SectionAssessment | null;
  readonly valid: boolean;
  readonly reason?: string;
}

export interface WaterSection {
  readonly waterBody: "river" | "lake";
  readonly targetClass?: "I" | "II" | "III" | "IV" | "V";
}

/**
 * Period mean of each parameter (arithmetic mean of its valid hourly means in the period —
 * water-gb3838.md §4 "Periods": the mean of the samples in the period), then the section class
 * by the single-factor method via `assessSection` (worst assessed parameter decides).
 *
 * @example
 * waterClasses(new Map([["nh3n", nh3n], ["do", dox]]), from, to, "1d", { waterBody: "river" })
 * // → [{ label: "2026-11-29", means: { nh3n: 1.2, do: 6.1 }, assessment: { class: "IV", deciding: ["nh3n"], … } }]
 */
export function waterClasses(
  series: ReadonlyMap<MetricId, HourSeries>,
  from: number,
  to: number,
  every: Every,
  section: WaterSection,
): WaterPeriod[] {
  return periods(from, to, every).map((period) => waterClassOf(series, period, section));
}

/**
 * The class of a section over one period [start, end) of any length (e.g. a year to date): the
 * same period means and single-factor assessment as `waterClasses`.
 *
 * @example
 * waterClassOf(series, { start: yearStart, end: now, label: "2026" }, { waterBody: "river", targetClass: "III" })
 */
export function waterClassOf(
  series: ReadonlyMap<MetricId, HourSeries>,
  period: { readonly start: number; readonly end: number; readonly label: string },
  section: WaterSection,
): WaterPeriod {
  const means: Partial<Record<MetricId, number>> = {};
  const counts: Partial<Record<MetricId, number>> = {};
  const labels = hourLabelsIn(period.start, period.end);
  for (const [metric, hours] of series) {
    const values = labels.map((l) => validMean(hours, l)).filter((v): v is number => v !== undefined);
    if (values.length === 0) continue;
    means[metric] = mean(values) as number;
    counts[metric] = values.length;
  }
  if (Object.keys(means).length === 0) {
    return {
      ...period,
      means,
      counts,
      assessment: null,
      valid: false,
      reason: "no valid hourly mean of any parameter in the period",
    };
  }
  // Only GB 3838 items go to the assessment; a sub-zero water temperature (reference item,
  // never decides the class) is left out because the table has no negative values.
  const values: Record<string, number> = {};
  for (const [metric, value] of Object.entries(means)) {
    if (gb3838Item(metric) !== undefined && value >= 0) values[metric] = value;
  }
  const assessment = assessSection({
    waterBody: section.waterBody,
    ...(section.targetClass ? { targetClass: section.targetClass } : {}),
    values,
  });
  return { ...period, means, counts, assessment, valid: true };
}
