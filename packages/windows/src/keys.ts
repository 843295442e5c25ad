import { BEIJING_OFFSET_MS, DAY_MS, HOUR_MS } from "@qingshan/domain";

/** Beijing day number: days since 1970-01-01 Beijing time (day d spans [d·24h − 8h, (d+1)·24h − 8h) UTC). */
export function dayIndexOf(t: number): number {
  return Math.floor((t + BEIJING_OFFSET_MS) / DAY_MS);
}

/** UTC ms of 00:00 Beijing time of day number `d`. */
export function dayStartOf(d: number): number {
  return d * DAY_MS - BEIJING_OFFSET_MS;
}

/** Month number `year·12 + (month − 1)` of a Beijing day number. */
export function monthIndexOfDay(d: number): number {
  const date = new Date(d * DAY_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** Beijing year of a day number. */
export function yearOfDay(d: number): number {
  return new Date(d * DAY_MS).getUTCFullYear();
}

/** First Beijing day number of month number `m`. */
export function firstDayOfMonth(m: number): number {
  return Date.UTC(Math.floor(m / 12), m % 12, 1) / DAY_MS;
}

/** "YYYY-MM-DD" of day number `d`. */
export function dayKeyOf(d: number): string {
  return new Date(d * DAY_MS).toISOString().slice(0, 10);
}

const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_KEY = /^(\d{4})-(\d{2})$/;

/** Parses a Beijing calendar day "YYYY-MM-DD" into its day number; RangeError when malformed. */
export function parseDayKey(key: string): number {
  const m = typeof key === "string" ? DAY_KEY.exec(key) : null;
  if (m === null) throw new RangeError(`dayKey: expected "YYYY-MM-DD", got ${JSON.stringify(key)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (dayKeyOf(ms / DAY_MS) !== key) throw new RangeError(`dayKey: ${key} is not a calendar date`);
  return ms / DAY_MS;
}

/** Parses "YYYY-MM" into its month number; RangeError when malformed. */
export function parseMonthKey(key: string): number {
  const m = typeof key === "string" ? MONTH_KEY.exec(key) : null;
  const month = m === null ? 0 : Number(m[2]);
  if (m === null || month < 1 || month > 12)
    throw new RangeError(`monthKey: expected "YYYY-MM", got ${JSON.stringify(key)}`);
  return Number(m[1]) * 12 + month - 1;
}

/** "YYYY-MM" of month number `m`. */
export function monthKeyOf(m: number): string {
  return `${String(Math.floor(m / 12)).padStart(4, "0")}-${String((m % 12) + 1).padStart(2, "0")}`;
}

/** Whether hour label `hourEnd` is a whole UTC hour (Beijing's offset is whole hours). */
export function isHourLabel(hourEnd: number): boolean {
  return Number.isInteger(hourEnd) && hourEnd % HOUR_MS === 0;
}
