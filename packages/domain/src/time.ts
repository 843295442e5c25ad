/**
 * Beijing time (UTC+8, no daylight saving) helpers. Qingshan stores UTC epoch milliseconds;
 * days, months and years for statistics are Beijing-time calendar periods, and an hourly value
 * labelled HH:00 is the mean of the preceding hour (air-aqi.md §8, CNEMC convention).
 */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const BEIJING_OFFSET_MS = 8 * HOUR_MS;

/** Start (UTC ms) of the hour containing `t`. Beijing's offset is whole hours. */
export function hourStart(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}

/** Start (UTC ms) of the Beijing calendar day containing `t`. */
export function beijingDayStart(t: number): number {
  return Math.floor((t + BEIJING_OFFSET_MS) / DAY_MS) * DAY_MS - BEIJING_OFFSET_MS;
}

/** "YYYY-MM-DD" of the Beijing calendar day containing `t`. */
export function beijingDate(t: number): string {
  return new Date(t + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** UTC ms of 00:00 Beijing time on the date "YYYY-MM-DD". */
export function beijingMidnight(date: string): number {
  const ms = Date.parse(`${date}T00:00:00+08:00`);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${date}`);
  return ms;
}

/** Start (UTC ms) of the Beijing calendar month containing `t`. */
export function beijingMonthStart(t: number): number {
  const d = new Date(t + BEIJING_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - BEIJING_OFFSET_MS;
}

/** Start (UTC ms) of the Beijing calendar year containing `t`. */
export function beijingYearStart(t: number): number {
  const d = new Date(t + BEIJING_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), 0, 1) - BEIJING_OFFSET_MS;
}

/**
 * ISO 8601 text of `t` in Beijing time: seconds precision, plus milliseconds when they are not
 * zero, so readings told apart by milliseconds stay apart in text.
 *
 * @example
 * toBeijingIso(Date.parse("2026-11-28T02:30:00Z"))     // "2026-11-28T10:30:00+08:00"
 * toBeijingIso(Date.parse("2026-11-28T02:30:00.25Z"))  // "2026-11-28T10:30:00.250+08:00"
 */
export function toBeijingIso(t: number): string {
  const utcText = new Date(t + BEIJING_OFFSET_MS).toISOString();
  return `${utcText.slice(0, utcText.endsWith(".000Z") ? 19 : 23)}+08:00`;
}

/** ISO 8601 text of `t` in Beijing time with milliseconds, e.g. "2026-11-28T10:30:00.123+08:00". */
export function toBeijingIsoMs(t: number): string {
  return `${new Date(t + BEIJING_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
}
