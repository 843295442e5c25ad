import { type AnnualDailyValue, type ExactNumber, exactMean } from "@qingshan/standards";
import { hourLabelsIn } from "./calendar.ts";
import { validMean } from "./hourly-validity.ts";
import type { HourSeries } from "./types.ts";

/**
 * The exact mean of the valid hourly means of one day [start, end) — the hours `aggregate` takes
 * for the day's mean, each as its shortest decimal (the value /series shows for the hour) — for
 * statistics that are rounded or compared with a target (the PM2.5 annual mean): aggregate's
 * daily mean is kept to 12 significant digits, and a day of 23 hours is a fraction in 23rds that
 * no decimal holds (air-aqi.md §2, "do the arithmetic exactly"). Null without a valid hour; the
 * caller decides validity (aggregate's `valid`).
 *
 * @example
 * exactDailyMean(series, { start: dayStart, end: dayStart + DAY_MS }) // { numerator: 748n, denominator: 23n }
 */
export function exactDailyMean(
  series: HourSeries,
  day: { readonly start: number; readonly end: number },
): ExactNumber | null {
  const values: number[] = [];
  for (const label of hourLabelsIn(day.start, day.end)) {
    const v = validMean(series, label);
    if (v !== undefined) values.push(v);
  }
  return exactMean(values, "hourly mean");
}

/**
 * The district's daily values from its stations': per Beijing date, the exact mean of the
 * stations' valid values (null when a date has values but none valid), sorted by date.
 *
 * @example
 * districtDailyValues([[{ date: "2026-01-01", value: 30 }], [{ date: "2026-01-01", value: 35 }]])
 * // [{ date: "2026-01-01", value: { numerator: 65n, denominator: 2n } }]
 */
export function districtDailyValues(
  stations: Iterable<readonly AnnualDailyValue[]>,
  what = "daily value",
): { readonly date: string; readonly value: ExactNumber | null }[] {
  const byDate = new Map<string, NonNullable<AnnualDailyValue["value"]>[]>();
  for (const days of stations)
    for (const d of days) {
      const list = byDate.get(d.date) ?? [];
      if (d.value !== null) list.push(d.value);
      byDate.set(d.date, list);
    }
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, values]) => ({ date, value: exactMean(values, what) }));
}
