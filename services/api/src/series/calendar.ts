import {
  BEIJING_OFFSET_MS,
  beijingDate,
  beijingDayStart,
  beijingMonthStart,
  DAY_MS,
  HOUR_MS,
  hourStart,
  toBeijingIso,
} from "@qingshan/domain";
import type { Every } from "./types.ts";

/** A calendar period [start, end) in UTC ms with its Beijing-time label. */
export interface Period {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/** Start of the period of step `every` containing `t` (Beijing calendar for days and months). */
export function periodStart(t: number, every: Every): number {
  if (every === "1h") return hourStart(t);
  if (every === "1d") return beijingDayStart(t);
  return beijingMonthStart(t);
}

/** End (exclusive) of the period starting at `start`. */
export function periodEnd(start: number, every: Every): number {
  if (every === "1h") return start + HOUR_MS;
  if (every === "1d") return start + DAY_MS;
  const d = new Date(start + BEIJING_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - BEIJING_OFFSET_MS;
}

/** Beijing-time label: hour → its end as ISO text (air-aqi.md §8), day → date, month → "YYYY-MM". */
export function periodLabel(start: number, every: Every): string {
  if (every === "1h") return toBeijingIso(start + HOUR_MS);
  if (every === "1d") return beijingDate(start);
  return beijingDate(start).slice(0, 7);
}

/** How many periods of step `every` cover [from, to) (an upper bound for months). */
export function periodCount(from: number, to: number, every: Every): number {
  if (to <= from) return 0;
  const span = periodStart(to - 1, every) - periodStart(from, every);
  if (every === "1h") return span / HOUR_MS + 1;
  if (every === "1d") return span / DAY_MS + 1;
  return Math.round(span / (28 * DAY_MS)) + 1;
}

/**
 * Every period that overlaps [from, to): the first contains `from`, the last contains `to − 1`.
 *
 * @example
 * periods(Date.parse("2026-11-29T00:00+08:00"), Date.parse("2026-11-30T00:00+08:00"), "1d")
 * // → [{ start: …2026-11-28T16:00Z, end: …2026-11-29T16:00Z, label: "2026-11-29" }]
 */
export function periods(from: number, to: number, every: Every): Period[] {
  const out: Period[] = [];
  if (to <= from) return out;
  for (let start = periodStart(from, every); start < to; start = periodEnd(start, every)) {
    out.push({ start, end: periodEnd(start, every), label: periodLabel(start, every) });
  }
  return out;
}

/**
 * Whether a period ending at `end` has not ended at `now`: its values may still change. A period
 * ending exactly at `now` is complete (the hour labelled 16:00 is complete at 16:00).
 */
export function isInProgress(end: number, now: number): boolean {
  return end > now;
}

/**
 * Hour labels (hour ends) inside a period: day D holds the hours labelled D 01:00 … D+1 00:00
 * (air-aqi.md §8).
 */
export function hourLabelsIn(start: number, end: number): number[] {
  const out: number[] = [];
  for (let h = start + HOUR_MS; h <= end; h += HOUR_MS) out.push(h);
  return out;
}

/** Days of the Beijing month containing `t`. */
export function daysInMonth(t: number): number {
  const start = beijingMonthStart(t);
  return Math.round((periodEnd(start, "1mo") - start) / DAY_MS);
}

/** Whether `t` falls in a Beijing-time February. */
export function isFebruary(t: number): boolean {
  return new Date(t + BEIJING_OFFSET_MS).getUTCMonth() === 1;
}
