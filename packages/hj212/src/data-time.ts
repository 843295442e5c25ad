import { BEIJING_OFFSET_MS, toBeijingIso } from "@qingshan/domain";

const DATA_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/**
 * UTC ms of an HJ 212 "YYYYMMDDhhmmss" time, which is Beijing local time (UTC+8); undefined when
 * it is not a real calendar time.
 *
 * @example
 * parseDataTime("20261128103000") // Date.parse("2026-11-28T10:30:00+08:00")
 */
export function parseDataTime(text: string): number | undefined {
  const m = DATA_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  // Not Date.UTC: it reads years 0–99 as 1900–1999, so "0099…" would become 1999. setUTCFullYear
  // takes the year as given.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  // 31 February rolls over into March; a real date survives the round trip.
  if (date.getUTCDate() !== d) return undefined;
  return date.getTime() - BEIJING_OFFSET_MS;
}

/**
 * "YYYYMMDDhhmmss" Beijing time of a UTC ms instant.
 *
 * @example
 * formatDataTime(Date.parse("2026-11-28T02:30:00Z")) // "20261128103000"
 */
export function formatDataTime(t: number): string {
  return toBeijingIso(t).slice(0, 19).replace(/[-T:]/g, "");
}
