import type { AqiStandard } from "./types.ts";

/** HJ 633-2026 cover: in force from 2026-03-01 (Beijing time), replacing HJ 633-2012. */
export const HJ633_2026_EFFECTIVE_DATE = "2026-03-01";

export const AQI_STANDARDS: readonly AqiStandard[] = ["HJ633-2012", "HJ633-2026"];

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/**
 * Checks a "YYYY-MM-DD" calendar date (a real day: no 2026-02-30). Throws RangeError otherwise.
 *
 * @example
 * assertBeijingDate("2026-03-01") // ok
 */
export function assertBeijingDate(date: string, what = "date"): void {
  const match = typeof date === "string" ? DATE_PATTERN.exec(date) : null;
  if (match === null) throw new RangeError(`${what}: expected "YYYY-MM-DD", got ${JSON.stringify(date)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const back = new Date(Date.UTC(year, month - 1, day));
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day)
    throw new RangeError(`${what}: ${date} is not a calendar date`);
}

/** Throws RangeError unless `standard` is a known AQI edition. */
export function assertAqiStandard(standard: string): asserts standard is AqiStandard {
  if (!(AQI_STANDARDS as readonly string[]).includes(standard))
    throw new RangeError(`unknown AQI standard "${standard}"; expected ${AQI_STANDARDS.join(" or ")}`);
}

/** "YYYY-MM-DD" of the Beijing (UTC+8) calendar day containing `nowMs`. */
export function beijingToday(nowMs: number = Date.now()): string {
  return new Date(nowMs + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The AQI edition for a period's Beijing-time date: HJ 633-2012 before 2026-03-01, HJ 633-2026
 * from then (air-aqi.md, "Read this first"). For an hourly value pass the date of the hour's end.
 *
 * @example
 * aqiStandardFor("2026-02-28") // "HJ633-2012"
 * aqiStandardFor("2026-03-01") // "HJ633-2026"
 */
export function aqiStandardFor(beijingDate: string): AqiStandard {
  assertBeijingDate(beijingDate);
  // HJ 633-2026 cover: effective 2026-03-01; ISO dates compare correctly as strings.
  return beijingDate >= HJ633_2026_EFFECTIVE_DATE ? "HJ633-2026" : "HJ633-2012";
}
