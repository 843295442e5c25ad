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

/**
 * The label of the hour a timestamp belongs to: the END of that hour (air-aqi.md §8). A reading at
 * exactly HH:00:00.000 opens the hour [HH, HH+1) and is labelled HH+1.
 *
 * @example
 * hourEndOf(Date.UTC(2026, 0, 1, 3, 0, 0)) === Date.UTC(2026, 0, 1, 4); // true
 * hourEndOf(Date.UTC(2026, 0, 1, 3, 59, 59, 999)) === Date.UTC(2026, 0, 1, 4); // true
 */
export function hourEndOf(ts: number): number {
  // Floor (not truncation) so instants before 1970 land in the right hour as well.
  return Math.floor(ts / HOUR_MS) * HOUR_MS + HOUR_MS;
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

/**
 * ISO 8601 text of `t` in Beijing time to the second, milliseconds cut off: for ids built from
 * times, which must not change with the display format.
 *
 * @example
 * toBeijingIsoSeconds(Date.parse("2026-11-28T02:30:00.25Z")) // "2026-11-28T10:30:00+08:00"
 */
export function toBeijingIsoSeconds(t: number): string {
  return `${new Date(t + BEIJING_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** English month abbreviations, January first, as the human times write them. */
export const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * An instant as people read it in alert messages and e-mails, in Beijing time: "11月30日 05:00" /
 * "30 Nov 05:00", with the year when it is not the Beijing year of `reference` (the event's own
 * time). Machine fields stay ISO 8601.
 *
 * @example
 * beijingHumanTime(Date.parse("2026-11-29T21:00:00Z"), Date.parse("2026-11-30T08:00:00+08:00"))
 * // { zh: "11月30日 05:00", en: "30 Nov 05:00" }
 * beijingHumanTime(Date.parse("2026-12-31T23:00:00+08:00"), Date.parse("2027-01-01T05:00:00+08:00"))
 * // { zh: "2026年12月31日 23:00", en: "31 Dec 2026 23:00" }
 */
export function beijingHumanTime(t: number, reference: number): { zh: string; en: string } {
  const d = new Date(t + BEIJING_OFFSET_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const clock = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
  const withYear = year !== new Date(reference + BEIJING_OFFSET_MS).getUTCFullYear();
  return {
    zh: `${withYear ? `${year}年` : ""}${month + 1}月${day}日 ${clock}`,
    en: `${day} ${MONTHS_EN[month]}${withYear ? ` ${year}` : ""} ${clock}`,
  };
}

/** ISO 8601 text of `t` in Beijing time with milliseconds, e.g. "2026-11-28T10:30:00.123+08:00". */
export function toBeijingIsoMs(t: number): string {
  return `${new Date(t + BEIJING_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
}
