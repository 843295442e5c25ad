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
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 31 February over into March; a real date survives the round trip.
  if (new Date(utc).getUTCDate() !== d) return undefined;
  return utc - BEIJING_OFFSET_MS;
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
