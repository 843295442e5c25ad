import { toBeijingIso } from "@qingshan/domain";
import { badParameter } from "./errors.ts";

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** An ISO time whose "+hh:mm" offset lost its "+" to URL decoding. */
const PLUS_READ_AS_SPACE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)? \d{2}:\d{2}$/;

export const TIME_EXPECTED =
  'ISO 8601 with an offset (e.g. "2026-11-29T00:00:00+08:00") or epoch milliseconds';

/**
 * Parses a time query parameter: ISO 8601 with an offset or epoch milliseconds. A time without
 * an offset is refused rather than guessed (is it UTC or Beijing time?).
 *
 * @example
 * parseTimeParam("from", "2026-12-05T00:00:00+08:00") // 1_796_400_000_000
 * parseTimeParam("from", "1796400000000")             // 1_796_400_000_000
 */
export function parseTimeParam(parameter: string, raw: string): number {
  if (/^\d{1,15}$/.test(raw)) {
    const ms = Number(raw);
    // A number whose value in seconds is a sane time is almost surely Unix seconds (read as ms it
    // would be January 1970): say so rather than answer for 1970.
    if (!inSaneRange(ms) && inSaneRange(ms * 1000)) {
      throw badParameter(
        parameter,
        raw,
        `epoch milliseconds (${raw} looks like seconds since 1970; give milliseconds or ISO 8601): ${TIME_EXPECTED}`,
      );
    }
    return checkRange(parameter, raw, ms);
  }
  const match = ISO_WITH_OFFSET.exec(raw);
  if (match) {
    // Date.parse rolls impossible fields over (02-30 → 03-02): refuse them instead.
    const impossible = impossibleField(match);
    if (impossible !== undefined) {
      throw badParameter(parameter, raw, `a real calendar date and time (${impossible}): ${TIME_EXPECTED}`);
    }
    const ms = Date.parse(raw);
    if (!Number.isNaN(ms)) return checkRange(parameter, raw, ms);
  }
  // An unencoded "+" of the offset arrives as a space (application/x-www-form-urlencoded query
  // rules): say so, or the time looks right to the sender and the error makes no sense.
  if (PLUS_READ_AS_SPACE.test(raw)) {
    throw badParameter(
      parameter,
      raw,
      `${TIME_EXPECTED}; a "+" in a URL query is read as a space, so write the offset's "+" as %2B (${parameter}=${raw.replace(" ", "%2B")})`,
    );
  }
  throw badParameter(parameter, raw, TIME_EXPECTED);
}

/** The times a parameter may name: 2000-01-01 00:00 until 2100-01-01 00:00 (UTC), exclusive. */
export const TIME_PARAM_RANGE = {
  from: Date.UTC(2000, 0, 1),
  to: Date.UTC(2100, 0, 1),
  text: "between 2000-01-01 and 2100-01-01",
} as const;

function inSaneRange(ms: number): boolean {
  return ms >= TIME_PARAM_RANGE.from && ms < TIME_PARAM_RANGE.to;
}

/** `ms` if it is in TIME_PARAM_RANGE, else a 400 naming the parameter (before any from/to check). */
function checkRange(parameter: string, raw: string, ms: number): number {
  if (inSaneRange(ms)) return ms;
  throw badParameter(
    parameter,
    raw,
    `a time ${TIME_PARAM_RANGE.text} (${raw} is ${new Date(ms).toISOString()}): ${TIME_EXPECTED}`,
  );
}

/** What is impossible in the matched fields of an ISO time ("day 30 of February 2026"), if anything. */
function impossibleField(match: RegExpExecArray): string | undefined {
  const [year, month, day, hour, minute, second = "00", offsetHours = "00", offsetMinutes = "00"] =
    match.slice(1);
  const y = Number(year);
  const m = Number(month);
  if (m < 1 || m > 12) return `month ${month}`;
  // Day 0 of the next month is the last day of this one (setUTCFullYear: years < 100 stay as given).
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(y, m, 0);
  const daysInMonth = lastDay.getUTCDate();
  if (Number(day) < 1 || Number(day) > daysInMonth) return `${year}-${month} has no day ${day}`;
  if (Number(hour) > 23) return `hour ${hour}`;
  if (Number(minute) > 59) return `minute ${minute}`;
  if (Number(second) > 59) return `second ${second}`;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return `offset ${offsetHours}:${offsetMinutes}`;
  return undefined;
}

export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The [from, to) range of a query; defaults: `to` = now, `from` = `to` − `defaultSpanMs`. A range
 * that is empty is a 400 naming the parameter the client sent: `to` when it gave both, `from`
 * (at or after now) when `to` was left to default to now.
 *
 * @example
 * timeRange({ from: "2026-11-29T00:00:00+08:00", to: "2026-11-30T00:00:00+08:00" }, Date.now(), 86_400_000)
 */
export function timeRange(
  query: { from?: string | undefined; to?: string | undefined },
  now: number,
  defaultSpanMs: number,
): TimeRange {
  const to = query.to === undefined ? now : parseTimeParam("to", query.to);
  const from = query.from === undefined ? to - defaultSpanMs : parseTimeParam("from", query.from);
  if (to <= from) {
    if (query.to === undefined && query.from !== undefined) {
      throw badParameter(
        "from",
        query.from,
        `a time before now (${toBeijingIso(now)}): "from" is ${from === now ? "now" : "after now"} and "to", not given, defaults to now`,
      );
    }
    throw badParameter("to", query.to, `a time after "from"`);
  }
  return { from, to };
}
