import {
  beijingHumanDay,
  beijingHumanTime,
  type CalendarWindow,
  calendarWindowOf,
  DAY_MS,
  HOUR_MS,
} from "@qingshan/domain";

/**
 * Whether `at` falls inside the period of `periodMs` ending at `periodEnd` (an hour, or a Beijing
 * day for a day-step rule): the period has begun and not yet ended, so a value of it is
 * provisional. A data time further ahead than one period is a clock error, not a period under way.
 */
export function periodInProgressAt(periodEnd: number, periodMs: number, at: number): boolean {
  return at < periodEnd && at > periodEnd - periodMs;
}

/**
 * The period a data time labels, as people read it (air-aqi.md §8: an hour is labelled by its
 * end, "19:00" = 18:00–19:00): the hour as its span, "12月1日 18:00–19:00" / "1 Dec 18:00–19:00"
 * (the hour ending at midnight reads 23:00–24:00), or for a day-step rule the day, "12月1日" /
 * "1 Dec". The year only when it is not `reference`'s (the event's time).
 */
export function periodSpanText(
  periodEnd: number,
  byDay: boolean,
  reference: number,
): { zh: string; en: string } {
  if (byDay) return beijingHumanDay(periodEnd, reference);
  const start = beijingHumanTime(periodEnd - HOUR_MS, reference);
  const endClock = beijingHumanTime(periodEnd, periodEnd).en.slice(-5);
  const end = endClock === "00:00" ? "24:00" : endClock;
  return { zh: `${start.zh}–${end}`, en: `${start.en}–${end}` };
}

/**
 * Said by an alert evaluated on a period that had not ended when it was evaluated (an hour
 * credited from its first samples: an early warning on a provisional value):
 * "数据时段 12月1日 18:00–19:00（进行中 / in progress）尚未结束，数值为暂定值，可能变化" /
 * "the hour 1 Dec 18:00–19:00 (进行中 / in progress) has not ended: the value is provisional and may change".
 */
export function inProgressText(
  periodEnd: number,
  byDay: boolean,
  reference: number,
): { zh: string; en: string } {
  const span = periodSpanText(periodEnd, byDay, reference);
  const unit = byDay ? { zh: "数据日", en: "the day" } : { zh: "数据时段", en: "the hour" };
  return {
    zh: `${unit.zh} ${span.zh}（北京时间，进行中 / in progress）尚未结束，数值为暂定值，可能变化`,
    en: `${unit.en} ${span.en} Beijing time (进行中 / in progress) has not ended: the value is provisional and may change`,
  };
}

/**
 * Whether an alert event was evaluated during the period its value belongs to: its `at` (when the
 * rules engine evaluated it) inside the hour — for a calendar window the Beijing day — that ends at
 * its `dataTime` (`periodInProgressAt`). False without a data time.
 *
 * @example
 * eventInProgress({ at: "2026-12-01T18:24:00+08:00", dataTime: "2026-12-01T19:00:00+08:00" }) // true
 */
export function eventInProgress(e: {
  readonly at: string;
  readonly dataTime?: string | undefined;
  readonly calendarWindow?: CalendarWindow | undefined;
  readonly window?: string | undefined;
}): boolean {
  if (e.dataTime === undefined) return false;
  const periodMs = calendarWindowOf(e) === undefined ? HOUR_MS : DAY_MS;
  return periodInProgressAt(Date.parse(e.dataTime), periodMs, Date.parse(e.at));
}
